/* chain-read: eth_call on a chain the node knows, without any HTTP permission.
 * Config: `contract` (0x address), `calldata` (0x hex, default 0x18160ddd =
 * totalSupply()), `chain` (default: the trigger's chain, else "evm:31337").
 * Reads at the trigger's block when there is one (every operator then reads the same
 * state), else at "latest", and responds with the call's return data unchanged. */
#include "wavs.h"

int main(void) {
    wavs_trigger t;
    if (wavs_trigger_read(&t) != 0) return 1;
    char *contract = NULL, *calldata_hex = NULL, *chain = NULL;
    if (wavs_config_var("contract", &contract) < 0) {
        fputs("chain-read: config variable `contract` is required\n", stderr);
        return 1;
    }
    uint8_t to[20];
    if (wavs_hex_decode(contract, strlen(contract), to, sizeof to) != 20) {
        fputs("chain-read: `contract` is not a 20-byte hex address\n", stderr);
        return 1;
    }
    uint8_t calldata[1024];
    int64_t calldata_len;
    if (wavs_config_var("calldata", &calldata_hex) < 0) calldata_hex = strdup("0x18160ddd");
    calldata_len = wavs_hex_decode(calldata_hex, strlen(calldata_hex), calldata, sizeof calldata);
    if (calldata_len < 0) {
        fputs("chain-read: `calldata` is not hex\n", stderr);
        return 1;
    }
    if (wavs_config_var("chain", &chain) < 0) chain = strdup(t.chain[0] ? t.chain : "evm:31337");

    char block_buf[19];
    const char* block = "latest";
    if (t.kind == WAVS_TRIGGER_EVM_CONTRACT_EVENT) block = wavs_block_tag(t.block_number, block_buf);
    if (t.kind == WAVS_TRIGGER_BLOCK_INTERVAL) block = wavs_block_tag(t.block_height, block_buf);

    char* cfg = NULL;
    int64_t rc = wavs_chain_config(chain, &cfg);
    if (rc < 0) return wavs_fail("chain_config", rc);
    wavs_log_debug("chain-read: %s", cfg);

    uint8_t* ret = NULL;
    size_t ret_len = 0;
    rc = wavs_eth_call(chain, to, calldata, (size_t)calldata_len, block, &ret, &ret_len);
    if (rc < 0) return wavs_fail("eth_call", rc);
    uint64_t low = 0;
    if (ret_len >= 32 && wavs_abi_get_u64(ret, &low) == 0)
        wavs_log_info("chain-read: %s at %s returned %llu", contract, block, (unsigned long long)low);
    else
        wavs_log_info("chain-read: %s at %s returned %zu bytes", contract, block, ret_len);
    int32_t rr = wavs_respond(ret, ret_len);
    free(ret);
    free(cfg);
    free(chain);
    free(calldata_hex);
    free(contract);
    wavs_trigger_free(&t);
    return rr == 0 ? 0 : wavs_fail("respond", rr);
}
