// Compose subgraphs with Apollo's own composition library and report the result as JSON.
// Usage: node compose.mjs <name>=<sdl file> [<name>=<sdl file> ...]
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const services = process.argv.slice(2).map((arg) => {
  const [name, file] = arg.split("=");
  return { name, url: `http://${name}.invalid/graphql`, typeDefs: parse(readFileSync(file, "utf8")) };
});
const result = composeServices(services);
const output = {
  ok: !result.errors || result.errors.length === 0,
  errors: (result.errors || []).map((e) => e.message),
  hints: (result.hints || []).map((h) => h.toString()),
  supergraphSdl: result.supergraphSdl || null,
};
process.stdout.write(JSON.stringify(output));
