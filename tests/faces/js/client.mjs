// The official `openai` npm package as a client of `rag serve` (run by tests/faces/test_serve.py).
// Usage: node client.mjs BASE_URL PROJECT_ROOT QUESTION LONG_QUESTION_CHARS
// Prints one JSON object: what the client read, streamed and not, and the errors it raised.
// JavaScript strings count UTF-16 code units, so the statement's span in the answer is cut with
// `start_index_utf16`/`end_index_utf16`; file offsets (`start`/`end`) count code points, so the
// file is sliced by code points (Array.from) to check the quote.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";

const [base, root, question, longChars] = process.argv.slice(2);
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: "not-needed", maxRetries: 0 });
const ask = (extra) => ({ model: "cited-rag", messages: [{ role: "user", content: question }], ...extra });

function read(content, annotations, contract) {
  return {
    content,
    statements: contract.statements.map((s) => s.text),
    annotations: annotations.map(({ url_citation: c }) => ({
      stated: content.slice(c.start_index_utf16, c.end_index_utf16),
      byCodePointIndex: content.slice(c.start_index, c.end_index),
      quoteInFile: Array.from(readFileSync(join(root, c.source), "utf8")).slice(c.start, c.end).join(""),
      quote: c.quote,
    })),
  };
}

async function refused(body) {
  try {
    const r = await client.chat.completions.create(body);
    if (body.stream) for await (const _ of r);
    return { refused: false };
  } catch (e) {
    return { refused: true, status: e.status, message: e.error?.message, param: e.param, code: e.code, type: e.type };
  }
}

const out = {};
const plain = await client.chat.completions.create(
  ask({ messages: [{ role: "user", content: [{ type: "text", text: question }] }] }),
);
const msg = plain.choices[0].message;
out.plain = read(msg.content, msg.annotations, msg.cited_rag);

const stream = await client.chat.completions.create(ask({ stream: true, stream_options: { include_usage: true } }));
let text = "";
let last = null;
let usage = null;
let afterStop = 0;
for await (const chunk of stream) {
  const choice = chunk.choices[0];
  if (!choice) {
    usage = chunk.usage;
    continue;
  }
  if (last) afterStop += 1;
  text += choice.delta.content ?? "";
  if (choice.finish_reason) last = choice.delta;
}
out.streamed = { ...read(text, last.annotations, last.cited_rag), usage, afterStop };
out.n2 = await refused(ask({ n: 2 }));
out.image = await refused(
  ask({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:," } }] }] }),
);
out.longStreamed = await refused(ask({ stream: true, messages: [{ role: "user", content: "x".repeat(+longChars) }] }));
console.log(JSON.stringify(out));
