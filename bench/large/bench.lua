-- CPU-heavy Lua workload for bench/large.sh: calls, closures, tables (array and hash
-- parts), metatables, strings, integer and float arithmetic. Deterministic: the checksum
-- depends on no iteration order of pairs(), no clock and no math library rounding beyond
-- IEEE sqrt. Raises no error (see lua_config.h). SCALE (set by the driver from its
-- argument, 1 by default) shortens every loop for profiling runs; checksums only compare
-- at the same SCALE.

local scale = SCALE or 1
local function scaled(count) return math.max(1, math.floor(count * scale)) end
local checksum = 0
local function add(v) checksum = (checksum * 31 + v) % 4294967296 end

-- Recursive calls.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
-- fib(30) at scale 1; each step down the Fibonacci sequence is 1.6 times fewer calls.
add(fib(30 + math.floor(math.log(scale) / math.log(1.618) + 0.5)))

-- Sieve of Eratosthenes on an array table.
local function sieve(n)
  local composite = {}
  for i = 2, n do composite[i] = false end
  local count = 0
  for i = 2, n do
    if not composite[i] then
      count = count + 1
      for j = i * i, n, i do composite[j] = true end
    end
  end
  return count
end
for _ = 1, 2 do add(sieve(scaled(400000))) end

-- Objects with methods through a metatable, hash-part field access.
local Vec = {}
Vec.__index = Vec
function Vec.new(x, y) return setmetatable({x = x, y = y}, Vec) end
function Vec:add(o) return Vec.new(self.x + o.x, self.y + o.y) end
function Vec:scale(k) return Vec.new(self.x * k, self.y * k) end
function Vec:dot(o) return self.x * o.x + self.y * o.y end
local acc = Vec.new(0, 0)
for i = 1, scaled(150000) do
  local v = Vec.new(i % 17, i % 23):scale(3)
  acc = acc:add(v)
  if acc:dot(v) % 7 == 0 then acc = acc:scale(1) end
end
add(acc.x % 1000003)
add(acc.y % 1000003)

-- Strings: formatting, concatenation through a buffer table, pattern matching, gsub.
local parts = {}
for i = 1, scaled(40000) do parts[#parts + 1] = string.format("k%05d=%d;", i, (i * 7919) % 10007) end
local text = table.concat(parts)
local sum = 0
for key, value in text:gmatch("k(%d+)=(%d+);") do sum = (sum + tonumber(key) * tonumber(value)) % 1000000007 end
add(sum)
local replaced, n = text:gsub("(%d)(%d)=", "%2%1:")
add(n)
add(#replaced)
local words = {}
for i = 1, scaled(20000) do words[i] = string.rep(string.char(97 + i % 26), 1 + i % 7) .. i end
add(#table.concat(words, " "):upper())

-- Sorting with a comparator closure.
local seed = 42
local function rand()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed
end
local items = {}
for i = 1, scaled(60000) do items[i] = {key = rand() % 100000, id = i} end
table.sort(items, function(a, b)
  if a.key ~= b.key then return a.key < b.key end
  return a.id < b.id
end)
for i = 1, #items, 997 do add(items[i].key + items[i].id) end

-- Hash tables keyed by strings and integers; only sizes and sums are observed.
local counts = {}
for i = 1, scaled(200000) do
  local k = "w" .. (rand() % 5000)
  counts[k] = (counts[k] or 0) + 1
end
local distinct, total = 0, 0
for _, c in pairs(counts) do distinct = distinct + 1; total = total + c * c end
add(distinct)
add(total % 1000000007)

-- Floating point: a Mandelbrot grid and an n-body-like integration (only + - * / sqrt).
local inside = 0
for py = 0, 159 do
  for px = 0, 159 do
    local cr, ci = px / 80 - 1.5, py / 80 - 1.0
    local zr, zi, it = 0.0, 0.0, 0
    while it < 80 and zr * zr + zi * zi < 4.0 do
      zr, zi = zr * zr - zi * zi + cr, 2 * zr * zi + ci
      it = it + 1
    end
    if it == 80 then inside = inside + 1 end
  end
end
add(inside)

local bodies = {}
for i = 1, 5 do bodies[i] = {x = i, y = i * 0.5, z = -i, vx = 0, vy = 0.1 * i, vz = 0, m = 1 / i} end
local sqrt = math.sqrt
for _ = 1, scaled(12000) do
  for i = 1, #bodies do
    local bi = bodies[i]
    for j = i + 1, #bodies do
      local bj = bodies[j]
      local dx, dy, dz = bi.x - bj.x, bi.y - bj.y, bi.z - bj.z
      local d2 = dx * dx + dy * dy + dz * dz + 0.01
      local mag = 0.001 / (d2 * sqrt(d2))
      bi.vx = bi.vx - dx * bj.m * mag; bi.vy = bi.vy - dy * bj.m * mag; bi.vz = bi.vz - dz * bj.m * mag
      bj.vx = bj.vx + dx * bi.m * mag; bj.vy = bj.vy + dy * bi.m * mag; bj.vz = bj.vz + dz * bi.m * mag
    end
  end
  for i = 1, #bodies do
    local b = bodies[i]
    b.x = b.x + 0.001 * b.vx; b.y = b.y + 0.001 * b.vy; b.z = b.z + 0.001 * b.vz
  end
end
local energy = 0.0
for i = 1, #bodies do local b = bodies[i]; energy = energy + 0.5 * b.m * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz) end
local energy_text = string.format("%.9f", energy)
add(tonumber((energy_text:gsub("%.", ""))) % 1000000007)

print(string.format("%s energy %s checksum %08x", _VERSION, energy_text, checksum))
