// echo in AssemblyScript: responds with the trigger's bytes (raw bytes, or a log's data).
import { readTrigger, respond, log, Level, lastError } from "../../../sdk/assemblyscript/assembly/index";

const parsed = readTrigger();
if (parsed === null) {
  console.error("echo: the trigger on stdin is not valid");
  process.exit(1);
}
const t = parsed!;
if (t.kind == "raw" || t.kind == "evm_contract_event") {
  log(Level.Info, "echo: " + t.bytes.length.toString() + " bytes from workflow " + t.workflowId);
  if (respond(t.bytes) != 0) {
    console.error("echo: respond: " + lastError());
    process.exit(1);
  }
} else {
  log(Level.Info, "echo: " + t.kind + " trigger, nothing to submit");
}
