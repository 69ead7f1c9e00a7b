// Main job: the built Worker in workerd with a loopback receiver; every fixture sent as its
// provider would, and one line per event the receiver got.
import { readdirSync } from "node:fs";
import { Receiver, startWorker, providerRequest, fixture } from "./harness.mjs";

const receiver = await new Receiver().start();
const mf = await startWorker({ receiver });
let failures = 0;
try {
  for (const provider of ["crowdsec", "cloud66", "sectigo"]) {
    for (const name of readdirSync(new URL(`../../fixtures/${provider}/`, import.meta.url)).sort()) {
      const { path, init } = providerRequest(provider, fixture(provider, name));
      const res = await mf.dispatchFetch(`http://hookwall.test${path}`, init);
      const answer = await res.text();
      const got = receiver.received.at(-1);
      if (res.status !== 200 || !got) {
        failures += 1;
        console.log(`${provider.padEnd(8)} ${name.padEnd(48)} HTTP ${res.status} ${answer}`);
        continue;
      }
      const e = got.event;
      console.log([provider.padEnd(8), e.type.padEnd(58), (e.data?.severity ?? "").padEnd(8),
        e.id, `signature ${got.signatureOk ? "ok" : "BAD"}`].join(" "));
      if (!got.signatureOk) failures += 1;
    }
  }
  console.log(`${receiver.received.length} events received, ${failures} failures`);
} finally {
  await mf.dispose();
  await receiver.down();
}
process.exitCode = failures === 0 ? 0 : 1;
