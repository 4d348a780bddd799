// Turns the .graphql files of this folder into sendable documents: each operation followed
// by the fragments it spreads, transitively. Shared by the app (Vite imports the files as
// text) and by the validation script and tests (which read them from disk).

const DEFINITION = /^\s*(query|mutation|subscription|fragment)\s+([A-Za-z_][A-Za-z0-9_]*)/m;
const SPREAD = /\.\.\.\s*([A-Za-z_][A-Za-z0-9_]*)/g;

/** @param {Record<string, string>} files path -> text @returns {{operations: Record<string,string>, fragments: Record<string,string>}} */
export function indexDocuments(files) {
  const operations = {};
  const fragments = {};
  for (const [path, text] of Object.entries(files)) {
    const match = DEFINITION.exec(text);
    if (!match) throw new Error(`${path}: no operation or fragment definition`);
    const [, kind, name] = match;
    const target = kind === "fragment" ? fragments : operations;
    if (target[name]) throw new Error(`${path}: ${name} is defined twice`);
    target[name] = text.trim();
  }
  return { operations, fragments };
}

/** The operation's text with every fragment it needs appended once. */
export function assemble(name, index) {
  const body = index.operations[name] ?? index.fragments[name];
  if (!body) throw new Error(`unknown GraphQL document ${name}`);
  const seen = new Set();
  const queue = [body];
  const parts = [body];
  while (queue.length > 0) {
    const text = queue.shift();
    for (const [, spread] of text.matchAll(SPREAD)) {
      if (spread === "on" || seen.has(spread)) continue;
      seen.add(spread);
      const fragment = index.fragments[spread];
      if (!fragment) throw new Error(`${name} spreads unknown fragment ${spread}`);
      if (fragment !== body) parts.push(fragment);
      queue.push(fragment);
    }
  }
  return parts.join("\n\n");
}
