// The Worker's entry: worker-build's module, with the Ledger Durable Object's class put on the
// prototype chain of `DurableObject`. workerd takes RPC calls only on a class that extends it,
// and worker-build's generated class does not (worker-build does the same for its emscripten
// builds: worker-build 0.8.7, src/main.rs, `add_export_wrappers`). The Worker calls its ledger
// over RPC (worker/src/ledger/client.rs).
import { DurableObject } from "cloudflare:workers";
import worker, { Ledger } from "./build/index.js";

Object.setPrototypeOf(Ledger.prototype, DurableObject.prototype);
Object.setPrototypeOf(Ledger, DurableObject);

export { Ledger };
export default worker;
