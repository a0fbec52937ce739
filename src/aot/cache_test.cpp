#include "aot/cache.hpp"

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "aot/error.hpp"
#include "common/test_support.hpp"

namespace wavs::aot {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& p, ByteView data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<unsigned>(st.st_mode & 07777) : 0u;
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 31 + seed);
  return b;
}

std::string key_a() { return std::string(64, 'a'); }
std::string key_b() { return std::string(64, 'b'); }

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    previous_ = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("aot-cache-test", sink));
    auto cache = Cache::open(dir());
    ASSERT_TRUE(cache) << cache.error().message();
    cache_.emplace(std::move(*cache));
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }

  [[nodiscard]] fs::path dir() const { return tmp_.path() / "state" / "aot"; }
  [[nodiscard]] fs::path entry(const std::string& key) const { return dir() / (key + ".so"); }
  [[nodiscard]] std::string log() const { return log_.str(); }

  // Stores `object` under key_a(), lets `damage` change the file, and expects a load to
  // miss, the file to be gone and the warning to name it.
  void expect_rejected(const std::function<void(Bytes&)>& damage, const std::string& why) {
    const Bytes object = pattern(5000, 7);
    ASSERT_TRUE(cache_->store(key_a(), object));
    Bytes file = read_file(entry(key_a()));
    ASSERT_EQ(file.size(), object.size() + Cache::kTrailerSize);
    damage(file);
    write_file(entry(key_a()), file);
    log_.str("");
    auto got = cache_->load(key_a());
    ASSERT_TRUE(got) << got.error().message();
    EXPECT_FALSE(got->has_value()) << "a damaged entry was returned: " << why;
    EXPECT_FALSE(fs::exists(entry(key_a()))) << why;
    EXPECT_NE(log().find(entry(key_a()).string()), std::string::npos) << why << "; log: " << log();
    EXPECT_NE(log().find("warn"), std::string::npos) << log();
  }

  test::TempDir tmp_{"aot-cache"};
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_;
  std::optional<Cache> cache_;
};

TEST_F(CacheTest, OpenMakesAPrivateDirectoryAndKeyFile) {
  EXPECT_EQ(cache_->dir(), dir());
  EXPECT_EQ(mode_of(dir()), 0700u);
  EXPECT_EQ(mode_of(dir() / "key"), 0600u);
  EXPECT_EQ(fs::file_size(dir() / "key"), 32u);
  const Bytes secret = read_file(dir() / "key");
  auto again = Cache::open(dir());
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(read_file(dir() / "key"), secret);  // kept, not replaced
}

TEST_F(CacheTest, StoreThenLoadRoundTrips) {
  const Bytes object = pattern(100000, 3);
  ASSERT_TRUE(cache_->store(key_a(), object));
  auto got = cache_->load(key_a());
  ASSERT_TRUE(got) << got.error().message();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, object);
  EXPECT_EQ(fs::file_size(entry(key_a())), object.size() + Cache::kTrailerSize);

  // Another Cache on the same directory reads the same secret.
  auto other = Cache::open(dir());
  ASSERT_TRUE(other);
  auto got2 = other->load(key_a());
  ASSERT_TRUE(got2 && got2->has_value());
  EXPECT_EQ(**got2, object);

  ASSERT_TRUE(cache_->store(key_b(), Bytes{}));
  auto empty = cache_->load(key_b());
  ASSERT_TRUE(empty && empty->has_value());
  EXPECT_TRUE((*empty)->empty());
  EXPECT_TRUE(log().empty()) << log();
}

TEST_F(CacheTest, StoreReplacesAnEntry) {
  ASSERT_TRUE(cache_->store(key_a(), pattern(10, 1)));
  ASSERT_TRUE(cache_->store(key_a(), pattern(20, 2)));
  auto got = cache_->load(key_a());
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, pattern(20, 2));
}

TEST_F(CacheTest, MissingEntryIsNullopt) {
  auto got = cache_->load(key_a());
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_FALSE(got->has_value());
  EXPECT_TRUE(log().empty());
}

TEST_F(CacheTest, FlippedObjectByteIsRejected) {
  expect_rejected([](Bytes& f) { f[0] ^= 0x01; }, "first object byte");
  expect_rejected([](Bytes& f) { f[4999] ^= 0x80; }, "last object byte");
  EXPECT_NE(log().find("HMAC"), std::string::npos) << log();
}

TEST_F(CacheTest, TruncatedOrExtendedFileIsRejected) {
  expect_rejected([](Bytes& f) { f.pop_back(); }, "one byte short");
  expect_rejected([](Bytes& f) { f.resize(10); }, "shorter than the trailer");
  EXPECT_NE(log().find("shorter than"), std::string::npos) << log();
  expect_rejected([](Bytes& f) { f.clear(); }, "empty");
  expect_rejected(
      [](Bytes& f) { f.erase(f.end() - static_cast<std::ptrdiff_t>(Cache::kTrailerSize), f.end()); },
      "object without trailer");
  expect_rejected([](Bytes& f) { f.push_back(0); }, "one byte extra");
}

TEST_F(CacheTest, ChangedTrailerIsRejected) {
  const std::size_t t = 5000;  // where the trailer starts
  expect_rejected([t](Bytes& f) { f[t] = 'W'; }, "magic");
  EXPECT_NE(log().find("magic"), std::string::npos) << log();
  expect_rejected([t](Bytes& f) { f[t + 8] = 2; }, "format version");
  EXPECT_NE(log().find("version is 2"), std::string::npos) << log();
  expect_rejected([t](Bytes& f) { f[t + 12] ^= 0x01; }, "object length");
  EXPECT_NE(log().find("object bytes"), std::string::npos) << log();
  expect_rejected([](Bytes& f) { f.back() ^= 0x01; }, "HMAC");
}

TEST_F(CacheTest, KeyOrSecretBindsTheEntry) {
  const Bytes object = pattern(300, 9);
  ASSERT_TRUE(cache_->store(key_a(), object));
  fs::copy_file(entry(key_a()), entry(key_b()));
  auto renamed = cache_->load(key_b());
  ASSERT_TRUE(renamed);
  EXPECT_FALSE(renamed->has_value());
  EXPECT_FALSE(fs::exists(entry(key_b())));

  // A valid entry of another node's cache, under the same key.
  test::TempDir other_dir("aot-other");
  auto other = Cache::open(other_dir.path() / "aot");
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->store(key_b(), object));
  fs::copy_file(other_dir.path() / "aot" / (key_b() + ".so"), entry(key_b()));
  auto foreign = cache_->load(key_b());
  ASSERT_TRUE(foreign);
  EXPECT_FALSE(foreign->has_value());
  EXPECT_FALSE(fs::exists(entry(key_b())));

  auto own = cache_->load(key_a());  // untouched
  ASSERT_TRUE(own && own->has_value());
}

TEST_F(CacheTest, SymlinkEntryIsRejected) {
  ASSERT_TRUE(cache_->store(key_a(), pattern(100, 1)));
  fs::create_symlink(entry(key_a()), entry(key_b()));
  auto got = cache_->load(key_b());
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_FALSE(got->has_value());
  EXPECT_FALSE(fs::is_symlink(fs::symlink_status(entry(key_b()))));
  EXPECT_TRUE(fs::exists(entry(key_a())));
}

TEST_F(CacheTest, BadKeysAreRefused) {
  for (const std::string& key : {std::string("../../etc/passwd"), std::string(63, 'a'), std::string(65, 'a'),
                                 std::string(64, 'A'), std::string(63, 'a') + "/", std::string()}) {
    auto got = cache_->load(key);
    ASSERT_FALSE(got) << key;
    EXPECT_TRUE(got.error().is(AotErrc::kBadKey));
    auto st = cache_->store(key, pattern(1, 1));
    ASSERT_FALSE(st) << key;
    EXPECT_TRUE(st.error().is(AotErrc::kBadKey));
  }
}

TEST_F(CacheTest, ConcurrentStoresOfOneKeyLeaveOneWholeEntry) {
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto cache = Cache::open(dir());  // as another process would
      if (!cache) {
        ++failures;
        return;
      }
      for (int i = 0; i < 25; ++i) {
        if (!cache->store(key_a(),
                          pattern(20000 + static_cast<std::size_t>(t), static_cast<std::uint8_t>(t)))) {
          ++failures;
        }
        auto got = cache->load(key_a());
        if (!got || !got->has_value()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto got = cache_->load(key_a());
  ASSERT_TRUE(got && got->has_value());
  const std::size_t t = (*got)->size() - 20000;
  ASSERT_LT(t, 4u);
  EXPECT_EQ(**got, pattern(20000 + t, static_cast<std::uint8_t>(t)));
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir())) {
    ++files;
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }
  EXPECT_EQ(files, 2u);  // key and the entry
  EXPECT_TRUE(log().empty()) << log();
}

TEST_F(CacheTest, ConcurrentFirstOpensAgreeOnTheSecret) {
  test::TempDir fresh("aot-fresh");
  const fs::path d = fresh.path() / "aot";
  std::vector<std::optional<Cache>> caches(4);
  std::vector<std::thread> threads;
  threads.reserve(caches.size());
  for (std::size_t i = 0; i < caches.size(); ++i) {
    threads.emplace_back([&, i] {
      auto c = Cache::open(d);
      if (c) caches[i].emplace(std::move(*c));
    });
  }
  for (auto& th : threads) th.join();
  for (auto& c : caches) ASSERT_TRUE(c.has_value());
  ASSERT_TRUE(caches[0]->store(key_a(), pattern(64, 5)));
  for (auto& c : caches) {
    auto got = c->load(key_a());
    ASSERT_TRUE(got && got->has_value());
  }
}

TEST_F(CacheTest, KeyFileProblemsAreErrors) {
  test::TempDir other("aot-keyfile");
  const fs::path d = other.path() / "aot";
  ASSERT_TRUE(Cache::open(d));

  fs::permissions(d / "key", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  auto readable = Cache::open(d);
  ASSERT_FALSE(readable);
  EXPECT_TRUE(readable.error().is(AotErrc::kInsecure));
  EXPECT_NE(readable.error().message().find((d / "key").string()), std::string::npos);

  fs::permissions(d / "key", fs::perms::owner_read | fs::perms::owner_write);
  write_file(d / "key", pattern(31, 0));
  auto short_key = Cache::open(d);
  ASSERT_FALSE(short_key);
  EXPECT_TRUE(short_key.error().is(AotErrc::kCorrupt));
  EXPECT_NE(short_key.error().message().find("31 bytes"), std::string::npos) << short_key.error().message();

  fs::remove(d / "key");
  fs::permissions(d, fs::perms::all);
  auto open_dir = Cache::open(d);
  ASSERT_FALSE(open_dir);
  EXPECT_TRUE(open_dir.error().is(AotErrc::kInsecure));
  EXPECT_FALSE(fs::exists(d / "key"));

  const fs::path file = other.write("plain", "x");
  auto not_dir = Cache::open(file);
  ASSERT_FALSE(not_dir);
  EXPECT_TRUE(not_dir.error().is(AotErrc::kCacheIo));
  EXPECT_NE(not_dir.error().message().find(file.string()), std::string::npos);
}

TEST_F(CacheTest, OpenRemovesStaleTempFiles) {
  const fs::path stale = dir() / (key_a() + ".so.tmp-OLD123");
  const fs::path fresh = dir() / (key_a() + ".so.tmp-NEW123");
  write_file(stale, pattern(10, 1));
  write_file(fresh, pattern(10, 1));
  fs::last_write_time(stale, fs::file_time_type::clock::now() - 2h);
  ASSERT_TRUE(Cache::open(dir()));
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(fresh));  // may be a store in progress
}

class CacheKeyTest : public ::testing::Test {
 protected:
  fs::path script(const std::string& name, const std::string& version) {
    auto p = tmp_.write(name, "#!/bin/sh\necho '" + version + "'\n");
    fs::permissions(p, fs::perms::owner_all);
    return p;
  }
  test::TempDir tmp_{"aot-key"};
};

TEST_F(CacheKeyTest, KeyDependsOnEveryInput) {
  ToolchainConfig tc;
  tc.cc = script("cc-one", "fakecc 1.0").string();
  auto base = Cache::key("engine-1", tc, "int x;");
  ASSERT_TRUE(base) << base.error().message();
  EXPECT_EQ(base->size(), 64u);
  EXPECT_EQ(base->find_first_not_of("0123456789abcdef"), std::string::npos);
  auto same = Cache::key("engine-1", tc, "int x;");
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, *base);

  const auto differs = [&](std::string_view engine, const ToolchainConfig& config, std::string_view src) {
    auto k = Cache::key(engine, config, src);
    EXPECT_TRUE(k) << k.error().message();
    return k && *k != *base;
  };
  EXPECT_TRUE(differs("engine-2", tc, "int x;"));
  EXPECT_TRUE(differs("engine-1", tc, "int y;"));
  ToolchainConfig flags = tc;
  flags.flags.back() = "-Wall";
  EXPECT_TRUE(differs("engine-1", flags, "int x;"));
  ToolchainConfig other_version = tc;
  other_version.cc = script("cc-two", "fakecc 1.1").string();
  EXPECT_TRUE(differs("engine-1", other_version, "int x;"));
  ToolchainConfig other_path = tc;  // the same version line from another program
  other_path.cc = script("cc-three", "fakecc 1.0").string();
  EXPECT_TRUE(differs("engine-1", other_path, "int x;"));
  // Lengths keep fields apart: moving text from one field to the next changes the key.
  auto split1 = Cache::key("engine-1i", tc, "nt x;");
  ASSERT_TRUE(split1);
  EXPECT_NE(*split1, *base);
}

TEST_F(CacheKeyTest, MissingCompilerIsAnError) {
  ToolchainConfig tc;
  tc.cc = (tmp_.path() / "none").string();
  auto k = Cache::key("engine-1", tc, "int x;");
  ASSERT_FALSE(k);
  EXPECT_TRUE(k.error().is(AotErrc::kCompilerMissing));
}

}  // namespace
}  // namespace wavs::aot
