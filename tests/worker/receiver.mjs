// A local receiver for `npx wrangler dev` (see .dev.vars.example): answers 200 to every POST and
// prints one line per delivery: the path (the destination), the content type, whether it was
// signed, and the start of the body. PORT sets the port (default 8788).
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 8788);
createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const signed = req.headers["x-hookwall-signature"] ? "signed" : "unsigned";
    console.log(`${req.method} ${req.url} ${req.headers["content-type"] ?? "-"} ${signed} ${body.length} B ${body.slice(0, 160)}`);
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
}).listen(port, "127.0.0.1", () => console.log(`receiver on http://127.0.0.1:${port}/`));
