/**
 * A light check of filtered-stream rule syntax: enough to produce X's `UnprocessableEntity`
 * answers for the common mistakes (too long, unbalanced parentheses or quotes, only negations,
 * an operator without a value). It is not X's full grammar.
 *
 * @module
 */

/** Problems with one rule value, in X's `details` wording style; empty when the rule is accepted. */
export function ruleSyntaxProblems(value: string, maxLength: number): string[] {
  const problems: string[] = [];
  if (value.length > maxLength) {
    problems.push(
      `Rule is too long. The maximum rule length is ${maxLength} characters. (at position ${
        maxLength + 1
      })`,
    );
  }
  let depth = 0;
  let inQuote = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"') inQuote = !inQuote;
    else if (!inQuote && ch === "(") depth++;
    else if (!inQuote && ch === ")" && --depth < 0) {
      problems.push(`There is an unmatched ')' in the rule. (at position ${i + 1})`);
      depth = 0;
    }
  }
  if (inQuote) {
    problems.push(`Quoted phrase is not terminated. (at position ${value.lastIndexOf('"') + 1})`);
  }
  if (depth > 0) {
    problems.push(
      `There is an unmatched '(' in the rule. (at position ${value.lastIndexOf("(") + 1})`,
    );
  }
  const terms = value.replace(/[()]/g, " ").split(/\s+/).filter((t) => t !== "" && t !== "OR");
  if (terms.length > 0 && terms.every((t) => t.startsWith("-"))) {
    problems.push("Rules must contain a non-negation term (at position 1)");
  }
  const bare = /(?:^|[\s(])-?([a-z_]+):(?=\s|$|\))/.exec(value);
  if (bare) {
    problems.push(`Operator '${bare[1]}' requires a value. (at position ${bare.index + 1})`);
  }
  return problems;
}
