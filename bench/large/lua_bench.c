// Lua 5.4 (upstream sources) running bench.lua, which large.sh embeds as the string
// literal of bench_lua.inc. Only the libraries the script uses are opened (base, string,
// table, math): io, os and package need parts of libc that WASI lacks or that would make
// the run depend on the host (clock, files, processes). The script prints the checksum line.

#include <stdio.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

static const char kScript[] =
#include "bench_lua.inc"
    ;

int main(void) {
  lua_State* L = luaL_newstate();
  if (!L) {
    fprintf(stderr, "lua_bench: out of memory\n");
    return 1;
  }
  luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
  luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
  luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
  luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
  lua_settop(L, 0);
  // Compile errors are reported here; a run-time error aborts (lua_nojmp.h).
  if (luaL_loadbufferx(L, kScript, sizeof kScript - 1, "=bench.lua", "t") != LUA_OK) {
    fprintf(stderr, "lua_bench: %s\n", lua_tostring(L, -1));
    return 1;
  }
  lua_call(L, 0, 0);
  lua_close(L);
  return 0;
}
