// Lua 5.4 (upstream sources) running bench.lua, which large.sh embeds as the string
// literal of bench_lua.inc. Only the libraries the script uses are opened (base, string,
// table, math): io, os and package need parts of libc that WASI lacks or that would make
// the run depend on the host (clock, files, processes). The script prints the checksum line.
// Usage: lua_bench [percent]   (sets the script's SCALE, for shorter profiling runs; 100 by
// default, and checksums only compare at the same percentage)

#include <stdio.h>
#include <stdlib.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

static const char kScript[] =
#include "bench_lua.inc"
    ;

int main(int argc, char** argv) {
  int percent = argc > 1 ? atoi(argv[1]) : 100;
  if (percent < 1 || percent > 1000) {
    fprintf(stderr, "lua_bench: percent must be 1..1000\n");
    return 2;
  }
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
  lua_pushnumber(L, percent / 100.0);
  lua_setglobal(L, "SCALE");
  // Compile errors are reported here; a run-time error aborts (lua_nojmp.h).
  if (luaL_loadbufferx(L, kScript, sizeof kScript - 1, "=bench.lua", "t") != LUA_OK) {
    fprintf(stderr, "lua_bench: %s\n", lua_tostring(L, -1));
    return 1;
  }
  lua_call(L, 0, 0);
  lua_close(L);
  return 0;
}
