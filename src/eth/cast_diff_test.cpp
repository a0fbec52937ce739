// Differential tests against Foundry's `cast`: for hundreds of randomised inputs our bytes
// must equal cast's. Each suite writes one shell script with all its cast invocations
// and runs it once, so the cost is one shell plus one cast process per case.
//
// The seed is printed; replay a failure with WAVS_CAST_SEED=<seed>. Cases per suite can
// be raised with WAVS_CAST_CASES (default 250).

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "crypto/hash.hpp"
#include "crypto/hd.hpp"
#include "crypto/keys.hpp"
#include "eth/abi.hpp"
#include "eth/rlp.hpp"
#include "eth/tx.hpp"

namespace wavs::eth {
namespace {

std::string cast_path() {
  const char* src = std::getenv("WAVS_SOURCE_DIR");
  std::string path = std::string(src ? src : ".") + "/node_modules/.bin/cast";
  return std::filesystem::exists(path) ? path : std::string();
}

std::uint64_t seed() {
  static const std::uint64_t s = []() -> std::uint64_t {
    if (const char* env = std::getenv("WAVS_CAST_SEED")) return std::strtoull(env, nullptr, 10);
    return (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  }();
  return s;
}

int cases() {
  const char* env = std::getenv("WAVS_CAST_CASES");
  return env ? std::max(1, std::atoi(env)) : 250;
}

std::vector<std::string> run_script(const std::vector<std::string>& commands);

// Runs every command (each printing one line) through one shell; returns the lines.
// A command whose cast process failed outright (a transient fork or resource failure on
// a loaded machine) is run once more on its own; a real disagreement is unaffected.
std::vector<std::string> run_batch(const std::vector<std::string>& commands) {
  auto lines = run_script(commands);
  if (lines.size() != commands.size()) return lines;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] != "ERROR") continue;
    auto again = run_script({commands[i]});
    if (again.size() == 1) lines[i] = again[0];
  }
  return lines;
}

std::vector<std::string> run_script(const std::vector<std::string>& commands) {
  auto dir = std::filesystem::temp_directory_path();
  static int counter = 0;
  auto script = dir / ("wavs_cast_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".sh");
  {
    std::ofstream out(script);
    for (const auto& c : commands) out << "{ " << c << " ; } 2>/dev/null || echo ERROR\n";
  }
  std::vector<std::string> lines;
  FILE* pipe = ::popen(("sh " + script.string()).c_str(), "r");
  if (!pipe) return lines;
  std::string current;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) {
    for (std::size_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        lines.push_back(current);
        current.clear();
      } else {
        current.push_back(buf[i]);
      }
    }
  }
  ::pclose(pipe);
  std::filesystem::remove(script);
  return lines;
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

class Random {
 public:
  explicit Random(std::uint64_t s) : rng_(s) {}
  std::uint64_t u64() { return rng_(); }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
  bool coin() { return rng_() & 1; }
  Bytes bytes(std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng_());
    return b;
  }
  U256 u256() {
    U256 v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 64) | rng_();
    return v;
  }
  // Biased toward edge values, which is where encoders go wrong.
  U256 uint_bits(std::size_t bits) {
    U256 mask = bits == 256 ? ~U256(0) : (U256(1) << bits) - 1;
    switch (below(5)) {
      case 0:
        return 0;
      case 1:
        return mask;
      case 2:
        return U256(u64() % 1000) & mask;
      default:
        return u256() & mask;
    }
  }
  I256 int_bits(std::size_t bits) {
    I256 limit = I256(1) << (bits - 1);
    switch (below(5)) {
      case 0:
        return -limit;
      case 1:
        return limit - 1;
      case 2: {
        I256 small = I256(static_cast<std::int64_t>(u64() % 2000)) - 1000;
        return small % limit;
      }
      default: {
        U256 mag = u256() & ((U256(1) << (bits - 1)) - 1);
        I256 v = static_cast<I256>(mag);
        return coin() ? I256(-v) : v;
      }
    }
  }
  std::string word() {
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string s(1 + below(12), 'a');
    for (auto& c : s) c = kChars[below(sizeof(kChars) - 1)];
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

AbiType random_type(Random& r, int depth) {
  int choice = static_cast<int>(r.below(depth >= 3 ? 7 : 10));
  switch (choice) {
    case 0:
      return AbiType::uint(8 * (1 + r.below(32)));
    case 1:
      return AbiType::int_(8 * (1 + r.below(32)));
    case 2:
      return AbiType::address();
    case 3:
      return AbiType::boolean();
    case 4:
      return AbiType::fixed_bytes(1 + r.below(32));
    case 5:
      return AbiType::bytes();
    case 6:
      return AbiType::string();
    case 7:
      return AbiType::array(random_type(r, depth + 1));
    case 8:
      return AbiType::fixed_array(random_type(r, depth + 1), 1 + r.below(3));
    default: {
      std::vector<AbiType> parts;
      for (std::size_t i = 0, n = 1 + r.below(3); i < n; ++i) parts.push_back(random_type(r, depth + 1));
      return AbiType::tuple(std::move(parts));
    }
  }
}

// A random value of `type` and its cast command-line spelling.
std::pair<AbiValue, std::string> random_value(Random& r, const AbiType& type) {
  using Kind = AbiType::Kind;
  switch (type.kind()) {
    case Kind::kUint: {
      U256 v = r.uint_bits(type.size());
      return {AbiValue::uint(v), r.coin() ? to_decimal(v) : to_quantity(v)};
    }
    case Kind::kInt: {
      I256 v = r.int_bits(type.size());
      return {AbiValue::int_(v), to_decimal(v)};
    }
    case Kind::kAddress: {
      crypto::Address a(*FixedBytes<20>::from_view(r.bytes(20)));
      return {AbiValue::address(a), r.coin() ? a.to_checksum() : a.hex()};
    }
    case Kind::kBool: {
      bool b = r.coin();
      return {AbiValue::boolean(b), b ? "true" : "false"};
    }
    case Kind::kFixedBytes: {
      Bytes b = r.bytes(type.size());
      return {AbiValue::bytes(b), to_hex(b)};
    }
    case Kind::kBytes: {
      Bytes b = r.bytes(r.below(4) == 0 ? 0 : r.below(80));
      return {AbiValue::bytes(b), to_hex(b)};
    }
    case Kind::kString: {
      std::string s = r.word();
      return {AbiValue::string(s), s};
    }
    case Kind::kArray:
    case Kind::kFixedArray:
    case Kind::kTuple: {
      std::size_t n = type.kind() == Kind::kArray        ? r.below(4)
                      : type.kind() == Kind::kFixedArray ? type.size()
                                                         : type.components().size();
      AbiValue::List items;
      std::string text = type.kind() == Kind::kTuple ? "(" : "[";
      for (std::size_t i = 0; i < n; ++i) {
        const AbiType& t = type.kind() == Kind::kTuple ? type.components()[i] : type.element();
        auto [v, s] = random_value(r, t);
        items.push_back(std::move(v));
        if (i) text += ",";
        text += s;
      }
      text += type.kind() == Kind::kTuple ? ")" : "]";
      return {AbiValue::list(std::move(items)), text};
    }
  }
  return {};
}

class CastDiff : public ::testing::Test {
 protected:
  void SetUp() override {
    cast_ = cast_path();
    if (cast_.empty()) GTEST_SKIP() << "cast not installed (scripts/setup installs it)";
    std::printf("cast differential seed: %llu (replay with WAVS_CAST_SEED)\n",
                static_cast<unsigned long long>(seed()));
  }
  std::string cast_;
};

TEST_F(CastDiff, Keccak) {
  Random r(seed() ^ 1);
  std::vector<std::string> cmds;
  std::vector<Hash256> ours;
  for (int i = 0; i < cases(); ++i) {
    Bytes data = r.bytes(r.below(300));
    ours.push_back(crypto::keccak256(data));
    cmds.push_back(cast_ + " keccak " + to_hex(data));
  }
  auto lines = run_batch(cmds);
  ASSERT_EQ(lines.size(), cmds.size());
  for (std::size_t i = 0; i < cmds.size(); ++i) EXPECT_EQ(ours[i].hex(), lines[i]) << cmds[i];
}

TEST_F(CastDiff, AbiEncode) {
  Random r(seed() ^ 2);
  std::vector<std::string> cmds;
  std::vector<Bytes> ours;
  std::vector<std::pair<std::vector<AbiType>, std::vector<AbiValue>>> inputs;
  for (int i = 0; i < cases(); ++i) {
    std::vector<AbiType> types;
    std::vector<AbiValue> values;
    std::string sig = "f(";
    std::string args;
    for (std::size_t k = 0, n = 1 + r.below(4); k < n; ++k) {
      types.push_back(random_type(r, 0));
      auto [v, s] = random_value(r, types.back());
      // Our own reader of cast's argument syntax must give back the same value.
      auto parsed = parse_abi_value(types.back(), s);
      ASSERT_TRUE(parsed) << s << ": " << parsed.error().message();
      EXPECT_EQ(*parsed, v) << s;
      values.push_back(std::move(v));
      if (k) sig += ",";
      sig += types.back().to_string();
      args += " " + quote(s);
    }
    sig += ")";
    auto enc = abi_encode(types, values);
    ASSERT_TRUE(enc) << sig << ": " << enc.error().message();
    ours.push_back(*enc);
    inputs.emplace_back(std::move(types), std::move(values));
    cmds.push_back(cast_ + " abi-encode " + quote(sig) + args);
  }
  auto lines = run_batch(cmds);
  ASSERT_EQ(lines.size(), cmds.size());
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    EXPECT_EQ(to_hex(ours[i]), lines[i]) << cmds[i];
    auto back = abi_decode(inputs[i].first, ours[i]);
    ASSERT_TRUE(back) << cmds[i] << ": " << back.error().message();
    EXPECT_EQ(*back, inputs[i].second) << cmds[i];
  }
}

TEST_F(CastDiff, WalletSignNoHash) {
  Random r(seed() ^ 3);
  std::vector<std::string> cmds;
  std::vector<std::string> ours;
  for (int i = 0; i < cases(); ++i) {
    auto key = crypto::PrivateKey::from_bytes(r.bytes(32));
    if (!key) continue;  // one in 2^128
    Hash256 hash = *Hash256::from_view(r.bytes(32));
    auto sig = key->sign(hash);
    ours.push_back(sig.hex());
    ASSERT_EQ(*crypto::recover(hash, sig), key->address());
    cmds.push_back(cast_ + " wallet sign --no-hash --private-key " + key->reveal_hex().reveal() + " " +
                   hash.hex());
  }
  auto lines = run_batch(cmds);
  ASSERT_EQ(lines.size(), cmds.size());
  for (std::size_t i = 0; i < cmds.size(); ++i) EXPECT_EQ(ours[i], lines[i]) << cmds[i];
}

TEST_F(CastDiff, MktxEip1559) {
  Random r(seed() ^ 4);
  std::vector<std::string> cmds;
  std::vector<std::string> ours;
  for (int i = 0; i < cases(); ++i) {
    auto key = *crypto::PrivateKey::from_bytes(r.bytes(32));
    Eip1559Tx tx;
    tx.chain_id = 1 + r.below(r.coin() ? 100000 : (1ull << 40));
    tx.nonce = r.coin() ? r.below(100) : r.below(1ull << 50);
    // cast (alloy) holds fees as u128: stay below 2^128.
    tx.max_priority_fee_per_gas = r.coin() ? U256(r.below(1000)) : r.u256() >> (129 + r.below(64));
    tx.max_fee_per_gas = tx.max_priority_fee_per_gas + (r.u256() >> (129 + r.below(64)));
    tx.gas_limit = 21000 + r.below(1ull << 30);
    tx.to = crypto::Address(*FixedBytes<20>::from_view(r.bytes(20)));
    tx.value = r.coin() ? U256(0) : r.u256() >> r.below(256);
    tx.data = r.below(4) == 0 ? Bytes{} : r.bytes(4 + r.below(100));
    ours.push_back(to_hex(tx.sign(key).raw));
    std::string cmd = cast_ + " mktx --private-key " + key.reveal_hex().reveal() + " --chain " +
                      std::to_string(tx.chain_id) + " --nonce " + std::to_string(tx.nonce) + " --gas-limit " +
                      std::to_string(tx.gas_limit) + " --gas-price " + to_decimal(tx.max_fee_per_gas) +
                      " --priority-gas-price " + to_decimal(tx.max_priority_fee_per_gas) + " --value " +
                      to_decimal(tx.value) + " " + tx.to->to_checksum();
    if (!tx.data.empty()) cmd += " " + to_hex(tx.data);
    cmds.push_back(cmd);
  }
  auto lines = run_batch(cmds);
  ASSERT_EQ(lines.size(), cmds.size());
  for (std::size_t i = 0; i < cmds.size(); ++i) EXPECT_EQ(ours[i], lines[i]) << cmds[i];
}

TEST_F(CastDiff, WalletSignPersonalMessage) {
  Random r(seed() ^ 6);
  std::vector<std::string> cmds;
  std::vector<std::string> ours;
  for (int i = 0; i < cases(); ++i) {
    auto key = *crypto::PrivateKey::from_bytes(r.bytes(32));
    Bytes message = r.bytes(1 + r.below(200));
    ours.push_back(key.sign_message(message).hex());
    cmds.push_back(cast_ + " wallet sign --private-key " + key.reveal_hex().reveal() + " " + to_hex(message));
  }
  auto lines = run_batch(cmds);
  ASSERT_EQ(lines.size(), cmds.size());
  for (std::size_t i = 0; i < cmds.size(); ++i) EXPECT_EQ(ours[i], lines[i]) << cmds[i];
}

TEST_F(CastDiff, MktxLegacyEip155) {
  Random r(seed() ^ 7);
  std::vector<std::string> cmds;
  std::vector<std::string> ours;
  for (int i = 0; i < cases(); ++i) {
    auto key = *crypto::PrivateKey::from_bytes(r.bytes(32));
    LegacyTx tx;
    tx.chain_id = 1 + r.below(r.coin() ? 100000 : (1ull << 40));
    tx.nonce = r.coin() ? r.below(100) : r.below(1ull << 50);
    tx.gas_price = r.coin() ? U256(1 + r.below(1000)) : r.u256() >> (129 + r.below(64));
    tx.gas_limit = 21000 + r.below(1ull << 30);
    tx.to = crypto::Address(*FixedBytes<20>::from_view(r.bytes(20)));
    tx.value = r.coin() ? U256(0) : r.u256() >> r.below(256);
    tx.data = r.below(4) == 0 ? Bytes{} : r.bytes(4 + r.below(100));
    ours.push_back(to_hex(tx.sign(key).raw));
    std::string cmd = cast_ + " mktx --legacy --private-key " + key.reveal_hex().reveal() + " --chain " +
                      std::to_string(*tx.chain_id) + " --nonce " + std::to_string(tx.nonce) +
                      " --gas-limit " + std::to_string(tx.gas_limit) + " --gas-price " +
                      to_decimal(tx.gas_price) + " --value " + to_decimal(tx.value) + " " +
                      tx.to->to_checksum();
    if (!tx.data.empty()) cmd += " " + to_hex(tx.data);
    cmds.push_back(cmd);
  }
  auto lines = run_batch(cmds);
  ASSERT_EQ(lines.size(), cmds.size());
  for (std::size_t i = 0; i < cmds.size(); ++i) EXPECT_EQ(ours[i], lines[i]) << cmds[i];
}

TEST_F(CastDiff, MnemonicDerivedAddress) {
  // BIP-39 seed + BIP-32/44 derivation end to end, with random phrases, indices and
  // passphrases (fewer cases: each derivation runs 2048 PBKDF2 rounds on both sides).
  Random r(seed() ^ 8);
  std::vector<std::string> cmds;
  std::vector<std::string> ours;
  for (int i = 0; i < std::max(1, cases() / 2); ++i) {
    auto m = crypto::Mnemonic::generate(static_cast<int>(12 + 3 * r.below(5)));
    ASSERT_TRUE(m);
    auto index = static_cast<std::uint32_t>(r.coin() ? r.below(20) : r.below(1u << 31));
    std::string passphrase = r.coin() ? std::string() : r.word();
    auto key = crypto::derive_eth_key(*m, index, passphrase);
    ASSERT_TRUE(key);
    ours.push_back(key->address().to_checksum());
    std::string cmd = cast_ + " wallet address --mnemonic " + quote(m->phrase().reveal()) +
                      " --mnemonic-index " + std::to_string(index);
    if (!passphrase.empty()) cmd += " --mnemonic-passphrase " + passphrase;
    cmds.push_back(cmd);
  }
  auto lines = run_batch(cmds);
  ASSERT_EQ(lines.size(), cmds.size());
  for (std::size_t i = 0; i < cmds.size(); ++i) EXPECT_EQ(ours[i], lines[i]) << cmds[i];
}

rlp::Item random_item(Random& r, int depth, std::string& json) {
  if (depth < 4 && r.below(3) == 0) {
    std::vector<rlp::Item> items;
    json += "[";
    for (std::size_t i = 0, n = r.below(5); i < n; ++i) {
      if (i) json += ",";
      items.push_back(random_item(r, depth + 1, json));
    }
    json += "]";
    return rlp::Item::list(std::move(items));
  }
  std::size_t len = 0;
  switch (r.below(4)) {
    case 0:
      len = r.below(2);
      break;
    case 1:
      len = 2 + r.below(54);
      break;
    case 2:
      len = 55 + r.below(3);
      break;  // around the short/long boundary
    default:
      len = r.below(300);
      break;
  }
  Bytes b = r.bytes(len);
  if (len == 1 && r.coin()) b[0] &= 0x7f;  // single bytes that encode as themselves
  json += "\"" + to_hex(b) + "\"";
  return rlp::Item::string(b);
}

TEST_F(CastDiff, ToRlp) {
  Random r(seed() ^ 5);
  std::vector<std::string> cmds;
  std::vector<Bytes> ours;
  for (int i = 0; i < cases(); ++i) {
    std::string json;
    rlp::Item item = random_item(r, 0, json);
    Bytes enc = rlp::encode(item);
    auto back = rlp::decode(enc);
    ASSERT_TRUE(back) << json << ": " << back.error().message();
    EXPECT_EQ(*back, item) << json;
    ours.push_back(enc);
    cmds.push_back(cast_ + " --to-rlp " + quote(json));
  }
  auto lines = run_batch(cmds);
  ASSERT_EQ(lines.size(), cmds.size());
  for (std::size_t i = 0; i < cmds.size(); ++i) EXPECT_EQ(to_hex(ours[i]), lines[i]) << cmds[i];
}

}  // namespace
}  // namespace wavs::eth
