//! echo: responds with the trigger's bytes (raw bytes, or a contract event's log data)
//! unchanged; other triggers get no response.
use wavs_sdk::{log, respond, TriggerAction};

fn main() {
    wavs_sdk::run(|t: TriggerAction| {
        match t.data.bytes() {
            Some(bytes) => {
                log!(Info, "echo: {} bytes from workflow {}", bytes.len(), t.workflow_id);
                respond(bytes).map_err(|e| format!("respond: {}", e))
            }
            None => {
                log!(Info, "echo: trigger without bytes, nothing to submit");
                Ok(())
            }
        }
    })
}
