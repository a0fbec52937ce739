/* Imports wavs_v1.nope, which no v1 host offers: the module must be refused at load
 * time with an error naming the import, before anything runs. */
#include <stdint.h>

__attribute__((import_module("wavs_v1"), import_name("nope"))) int32_t wavs_v1_nope(int32_t x);

int main(void) { return wavs_v1_nope(1) == 0 ? 0 : 1; }
