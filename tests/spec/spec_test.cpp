// Runs the WebAssembly spec test suite: every command of every non-SIMD .wast file.
//
// The suite is found in $WAVS_WASM_TESTSUITE, else in ../shared/wasm-testsuite beside
// the source tree; without it (or without wast2json) the test is skipped with a
// message, except under CI=true, where that is a failure: CI must not pass by running
// nothing. Commands listed in skips.txt are not counted as failures; text-format
// modules in assert_malformed / assert_invalid are skipped as "text format".
//
// The suite runs four times: as compiled by default, with the translator's fusion off,
// without interruption checks (EngineConfig::interruptible = false, the other
// interpreter variant), and on the native tier (every module emitted as C, compiled by
// the system C compiler and run as native code: wasm/native.hpp). Each pass prints its
// own summary line, and the extra passes must pass exactly the commands the default pass
// does, file by file. The native pass is its own ctest entry (it runs the C compiler
// for every module) and is skipped under the sanitizers (the generated code is not
// instrumented).

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "wasm/native_test_support.hpp"
#include "wasm/wasm.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace wavs::wasm;

namespace {

struct Totals {
  int passed = 0, failed = 0, skipped = 0, text_format = 0, assertions = 0, modules = 0, files = 0;
  int rejections = 0, rejections_with_spec_text = 0;  // how often our message contains the spec's
};

// The passes over the suite, in the order their tests run.
enum Pass { kDefault, kUnfused, kUninterruptible, kNative, kPassCount };
constexpr const char* kPassNames[kPassCount] = {"", " (fusion off)", " (no interruption checks)", " (native tier)"};
Totals g_totals[kPassCount];
std::map<std::string, Totals> g_default_by_file;  // the default pass's counts, per file

EngineConfig config_of(Pass pass) {
  EngineConfig c;
  if (pass == kUnfused) c.fuse_instructions = false;
  if (pass == kUninterruptible) c.interruptible = false;
  return c;
}

// CI=true (or 1): a missing suite or tool fails the test instead of skipping it.
bool in_ci() {
  const char* ci = std::getenv("CI");
  if (ci == nullptr) return false;
  std::string v = ci;
  for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "true" || v == "1" || v == "yes";
}

fs::path suite_dir() {
  if (const char* e = std::getenv("WAVS_WASM_TESTSUITE"); e && *e) return e;
  if (const char* s = std::getenv("WAVS_SOURCE_DIR"); s && *s)
    return fs::path(s) / ".." / "shared" / "wasm-testsuite";
  return {};
}

std::vector<std::string> wast_files() {
  std::vector<std::string> out;
  fs::path dir = suite_dir();
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    auto name = e.path().filename().string();
    if (e.path().extension() == ".wast" && name.rfind("simd", 0) != 0)
      out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::map<std::string, std::string> load_skips() {
  std::map<std::string, std::string> skips;
  std::ifstream in(WAVS_SPEC_SKIPS);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto sp = line.find(' ');
    skips[line.substr(0, sp)] = sp == std::string::npos ? "" : line.substr(sp + 1);
  }
  return skips;
}

std::optional<wavs::Bytes> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  return wavs::Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Externrefs in the suite are small integers; they map to the pointer value n + 1 so
// that `ref.extern 0` is not null.
Value parse_value(const json& v) {
  std::string type = v.at("type");
  std::string text = v.contains("value") ? v.at("value").get<std::string>() : "";
  if (type == "i32") return Value::i32(static_cast<std::int32_t>(std::stoull(text)));
  if (type == "i64") return Value::i64(static_cast<std::int64_t>(std::stoull(text)));
  if (type == "f32") return Value::f32_bits(static_cast<std::uint32_t>(std::stoull(text)));
  if (type == "f64") return Value::f64_bits(std::stoull(text));
  if (type == "externref") {
    if (text == "null") return Value::null(ValType::kExternRef);
    return Value::externref(
        reinterpret_cast<const void*>(static_cast<std::uintptr_t>(std::stoull(text) + 1)));
  }
  if (type == "funcref") return Value::null(ValType::kFuncRef);
  throw std::runtime_error("unsupported value type " + type);
}

bool match(const json& want, const Value& got, std::string& why) {
  std::string type = want.at("type");
  std::string text = want.contains("value") ? want.at("value").get<std::string>() : "";
  why = "expected " + want.dump() + ", got " + got.to_string();
  if (std::string(to_string(got.type())) != type) return false;
  if (type == "f32" || type == "f64") {
    bool is32 = type == "f32";
    std::uint64_t bits = got.bits();
    std::uint64_t quiet = is32 ? 0x400000ull : 0x8000000000000ull;
    std::uint64_t exp = is32 ? 0x7f800000ull : 0x7ff0000000000000ull;
    std::uint64_t mant = is32 ? 0x7fffffull : 0xfffffffffffffull;
    bool nan = (bits & exp) == exp && (bits & mant) != 0;
    if (text == "nan:canonical") return nan && (bits & mant) == quiet;
    if (text == "nan:arithmetic") return nan && (bits & quiet) != 0;
  }
  if (type == "externref" || type == "funcref") {
    if (text == "null") return got.is_null();
    if (type == "funcref") return !got.is_null();
  }
  return got.bits() == parse_value(want).bits();
}

class SpecFile {
 public:
  SpecFile(std::string name, fs::path dir, const std::map<std::string, std::string>& skips,
           EngineConfig config = {}, bool native = false)
      : name_(std::move(name)), dir_(std::move(dir)), skips_(skips), engine_(config), native_(native) {}

  void run(const json& script, Totals& totals);

 private:
  std::shared_ptr<Instance> instance(const json& action) {
    if (action.contains("module")) {
      auto it = named_.find(action.at("module").get<std::string>());
      return it == named_.end() ? nullptr : it->second;
    }
    return current_;
  }
  Outcome<std::vector<Value>> perform(const json& action) {
    auto inst = instance(action);
    if (!inst) return tl::unexpected(Trap{TrapKind::kBadCall, "no such module", 0});
    std::string field = action.at("field");
    if (action.at("type") == "get") {
      auto g = inst->global(field);
      if (!g) return tl::unexpected(Trap{TrapKind::kBadCall, "no global " + field, 0});
      return std::vector<Value>{g->get()};
    }
    std::vector<Value> args;
    for (const auto& a : action.at("args")) args.push_back(parse_value(a));
    return inst->call(field, args);
  }
  wavs::Result<std::shared_ptr<Instance>> load(const std::string& file) {
    auto bytes = read_file(dir_ / file);
    if (!bytes) return wavs::Error(WasmErrc::kNotFound, "cannot read " + file);
    auto module = engine_.compile(*bytes);
    if (!module) return module.error();
    if (native_) {
      auto fast = test::build_native(**module);
      if (!fast) return fast.error();
      return linker_.instantiate(**fast);
    }
    return linker_.instantiate(**module);
  }
  void define_spectest();

  std::string name_;
  fs::path dir_;
  const std::map<std::string, std::string>& skips_;
  Engine engine_;
  bool native_;
  Linker linker_;
  std::shared_ptr<Instance> current_;
  std::map<std::string, std::shared_ptr<Instance>> named_;
};

void SpecFile::define_spectest() {
  auto nop = [](Caller&, std::span<const Value>, std::span<Value>) -> std::optional<Trap> {
    return std::nullopt;
  };
  using V = ValType;
  linker_.define_func("spectest", "print", {{}, {}}, nop);
  linker_.define_func("spectest", "print_i32", {{V::kI32}, {}}, nop);
  linker_.define_func("spectest", "print_i64", {{V::kI64}, {}}, nop);
  linker_.define_func("spectest", "print_f32", {{V::kF32}, {}}, nop);
  linker_.define_func("spectest", "print_f64", {{V::kF64}, {}}, nop);
  linker_.define_func("spectest", "print_i32_f32", {{V::kI32, V::kF32}, {}}, nop);
  linker_.define_func("spectest", "print_f64_f64", {{V::kF64, V::kF64}, {}}, nop);
  linker_.define("spectest", "global_i32",
                 Extern::of(std::make_shared<Global>(GlobalType{V::kI32, false}, Value::i32(666))));
  linker_.define("spectest", "global_i64",
                 Extern::of(std::make_shared<Global>(GlobalType{V::kI64, false}, Value::i64(666))));
  linker_.define("spectest", "global_f32",
                 Extern::of(std::make_shared<Global>(GlobalType{V::kF32, false}, Value::f32(666.6f))));
  linker_.define("spectest", "global_f64",
                 Extern::of(std::make_shared<Global>(GlobalType{V::kF64, false}, Value::f64(666.6))));
  linker_.define("spectest", "table",
                 Extern::of(std::make_shared<Table>(TableType{V::kFuncRef, Limits{10, 20}})));
  auto mem = Memory::create(MemoryType{Limits{1, 2}});
  if (mem) linker_.define("spectest", "memory", Extern::of(*mem));
}

void SpecFile::run(const json& script, Totals& totals) {
  define_spectest();
  int fails_shown = 0;
  for (const auto& cmd : script.at("commands")) {
    std::string type = cmd.at("type");
    int line = cmd.value("line", 0);
    std::string where = name_ + ".wast:" + std::to_string(line);
    bool is_assertion = type.rfind("assert_", 0) == 0;
    if (is_assertion) ++totals.assertions;
    std::string failure;
    bool skip_text = false;

    if (type == "module") {
      ++totals.modules;
      auto inst = load(cmd.at("filename"));
      if (!inst) {
        failure = "module failed to load: " + inst.error().message();
        current_.reset();
      } else {
        current_ = *inst;
        if (cmd.contains("name")) named_[cmd.at("name")] = current_;
      }
    } else if (type == "register") {
      auto inst = cmd.contains("name") ? named_[cmd.at("name").get<std::string>()] : current_;
      if (inst)
        linker_.define_instance(cmd.at("as"), *inst);
      else
        failure = "register: no module";
    } else if (type == "action") {
      auto r = perform(cmd.at("action"));
      if (!r) failure = "action trapped: " + r.error().message;
    } else if (type == "assert_return") {
      auto r = perform(cmd.at("action"));
      if (!r) {
        failure = "trapped: " + r.error().message;
      } else {
        const auto& expected = cmd.at("expected");
        if (expected.size() != r->size()) {
          failure =
              "expected " + std::to_string(expected.size()) + " results, got " + std::to_string(r->size());
        }
        for (std::size_t i = 0; failure.empty() && i < expected.size(); ++i) {
          std::string why;
          if (!match(expected[i], (*r)[i], why)) failure = "result " + std::to_string(i) + ": " + why;
        }
      }
    } else if (type == "assert_trap" || type == "assert_exhaustion") {
      if (cmd.contains("action")) {
        auto r = perform(cmd.at("action"));
        std::string want = cmd.value("text", "");
        if (r)
          failure = "expected trap \"" + want + "\", got a result";
        else if (r.error().kind == TrapKind::kBadCall)
          failure = "bad call: " + r.error().message;
        else if (r.error().message.rfind(want, 0) != 0 && want.rfind(r.error().message, 0) != 0) {
          failure = "trapped with \"" + r.error().message + "\", expected \"" + want + "\"";
        }
      } else {
        auto inst = load(cmd.at("filename"));
        if (inst) failure = "expected instantiation to trap";
      }
    } else if (type == "assert_invalid" || type == "assert_malformed" || type == "assert_unlinkable" ||
               type == "assert_uninstantiable") {
      if (cmd.value("module_type", "binary") == "text") {
        skip_text = true;
      } else {
        auto inst = load(cmd.at("filename"));
        if (inst) {
          failure = "module was accepted (expected \"" + cmd.value("text", "") + "\")";
        } else {
          const auto& e = inst.error();
          bool right = type == "assert_unlinkable" ? e.is(WasmErrc::kUnlinkable)
                       : type == "assert_uninstantiable"
                           ? e.is(WasmErrc::kUninstantiable)
                           : e.is(WasmErrc::kMalformed) || e.is(WasmErrc::kInvalid);
          ++totals.rejections;
          if (e.message().find(cmd.value("text", "")) != std::string::npos) {
            ++totals.rejections_with_spec_text;
          } else if (std::getenv("WAVS_SPEC_VERBOSE")) {
            std::printf("%s: expected \"%s\", got: %s\n", where.c_str(), cmd.value("text", "").c_str(),
                        e.message().c_str());
          }
          if (!right) {
            failure = "rejected for the wrong reason: " + e.message() + " (expected \"" +
                      cmd.value("text", "") + "\")";
          }
        }
      }
    } else {
      failure = "unknown command " + type;
    }

    if (skip_text) {
      ++totals.skipped;
      ++totals.text_format;
      continue;
    }
    if (failure.empty()) {
      if (is_assertion) ++totals.passed;
      continue;
    }
    if (auto it = skips_.find(where); it != skips_.end()) {
      if (is_assertion) ++totals.skipped;
      continue;
    }
    if (is_assertion) ++totals.failed;
    if (fails_shown++ < 25) ADD_FAILURE() << where << " " << type << ": " << failure;
  }
}

class SpecTest : public ::testing::TestWithParam<std::string> {};

// Converts `name`.wast (once per process) and returns its commands.
const json& script_for(const std::string& name, fs::path& out) {
  static std::map<std::string, json> cache;
  out = fs::path(std::getenv("WAVS_BINARY_DIR") ? std::getenv("WAVS_BINARY_DIR")
                                                : fs::temp_directory_path().string()) /
        "spec" / name;
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  fs::create_directories(out);
  std::string cmd = "wast2json \"" + (suite_dir() / (name + ".wast")).string() + "\" -o \"" +
                    (out / (name + ".json")).string() + "\" 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    ADD_FAILURE() << "wast2json failed: " << cmd;
    return cache[name] = json::object({{"commands", json::array()}});
  }
  std::ifstream in(out / (name + ".json"));
  return cache[name] = json::parse(in);
}

void run_pass(Pass pass, const std::string& name) {
  fs::path out;
  const json& script = script_for(name, out);
  static const auto skips = load_skips();
  SpecFile file(name, out, skips, config_of(pass), pass == kNative);
  Totals here;
  file.run(script, here);
  Totals& t = g_totals[pass];
  t.files += 1;
  t.modules += here.modules;
  t.assertions += here.assertions;
  t.passed += here.passed;
  t.failed += here.failed;
  t.skipped += here.skipped;
  t.text_format += here.text_format;
  t.rejections += here.rejections;
  t.rejections_with_spec_text += here.rejections_with_spec_text;
  if (pass == kDefault) {
    g_default_by_file[name] = here;
    return;
  }
  // Only when the default pass ran in this process (not filtered out).
  if (auto it = g_default_by_file.find(name); it != g_default_by_file.end()) {
    EXPECT_EQ(here.passed, it->second.passed) << name << kPassNames[pass] << ": passed";
    EXPECT_EQ(here.skipped, it->second.skipped) << name << kPassNames[pass] << ": skipped";
    EXPECT_EQ(here.assertions, it->second.assertions) << name << kPassNames[pass] << ": assertions";
  }
}

TEST_P(SpecTest, Wast) { run_pass(kDefault, GetParam()); }

// The plain forms of every instruction must be just as correct as the fused ones.
TEST_P(SpecTest, WastUnfused) { run_pass(kUnfused, GetParam()); }

// The interpreter variant without interruption checks at loop back-edges and calls.
TEST_P(SpecTest, WastUninterruptible) { run_pass(kUninterruptible, GetParam()); }

// Every module as native code: the same commands must pass as in the default pass.
TEST_P(SpecTest, WastNative) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "native code is not instrumented for the sanitizers";
#endif
  run_pass(kNative, GetParam());
}

std::vector<std::string> params() {
  auto files = wast_files();
  if (files.empty() || std::system("wast2json --version >/dev/null 2>&1") != 0) return {};
  return files;
}

INSTANTIATE_TEST_SUITE_P(Suite, SpecTest, ::testing::ValuesIn(params()), [](const auto& info) {
  std::string s = info.param;
  for (auto& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
});
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SpecTest);

TEST(SpecSuite, Available) {
  if (!params().empty()) return;
  std::string why;
  if (wast_files().empty()) {
    why = "no .wast files at \"" + suite_dir().string() + "\" (set WAVS_WASM_TESTSUITE)";
  } else {
    why = "no wast2json on PATH (Debian package wabt)";
  }
  if (in_ci()) FAIL() << "WebAssembly spec test suite not run under CI=true: " << why;
  GTEST_SKIP() << "WebAssembly spec test suite not run: " << why;
}

class Summary : public ::testing::Environment {
 public:
  void TearDown() override {
    for (int p = 0; p < kPassCount; ++p) {
      const Totals& t = g_totals[p];
      if (t.files == 0) continue;
      std::printf(
          "spec%s: %d files, %d modules, %d assertions: %d passed, %d failed, %d skipped "
          "(%d text format, %d listed in skips.txt)\n",
          kPassNames[p], t.files, t.modules, t.assertions, t.passed, t.failed, t.skipped, t.text_format,
          t.skipped - t.text_format);
    }
    const Totals& t = g_totals[kDefault];
    if (t.files == 0) return;
    std::printf("spec: %d of %d rejected binary modules carry the spec's error text in their message\n",
                t.rejections_with_spec_text, t.rejections);
  }
};
[[maybe_unused]] auto* const g_summary = ::testing::AddGlobalTestEnvironment(new Summary);

}  // namespace
