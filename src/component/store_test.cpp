#include "component/store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "crypto/hash.hpp"
#include "wasi/test_support.hpp"

namespace wavs::component {
namespace {

using wasi::test::TempDir;

// A valid component whose bytes differ by `n` (the data segment).
Bytes component_bytes(int n) {
  return wasi::test::wat(R"((module (memory (export "memory") 1) (data (i32.const 0) ")" + std::to_string(n) +
                         R"(") (func (export "_start"))))");
}

TEST(ComponentStore, PutGetListRemove) {
  TempDir dir;
  auto store = ComponentStore::open(dir.path() / "components");
  ASSERT_TRUE(store) << store.error().message();
  const Bytes a = component_bytes(1), b = component_bytes(2);
  auto da = (*store)->put(a);
  ASSERT_TRUE(da) << da.error().message();
  EXPECT_EQ(*da, crypto::sha256(a));
  EXPECT_EQ(*(*store)->put(a), *da);  // idempotent
  auto db = (*store)->put(b);
  ASSERT_TRUE(db);
  EXPECT_TRUE((*store)->contains(*da));
  EXPECT_EQ(*(*store)->get(*da), a);
  auto all = (*store)->list();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
  EXPECT_TRUE(std::is_sorted(all->begin(), all->end()));
  EXPECT_TRUE(*(*store)->remove(*da));
  EXPECT_FALSE(*(*store)->remove(*da));
  auto gone = (*store)->get(*da);
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().is(ComponentErrc::kNotFound));
}

TEST(ComponentStore, RefusesWhatIsNotWasmAndWhatIsTooBig) {
  TempDir dir;
  auto store = ComponentStore::open(dir.path());
  ASSERT_TRUE(store);
  const std::string text = "#!/bin/sh\necho hi\n";
  auto r = (*store)->put(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kInvalid));
  Bytes huge(ComponentStore::kMaxComponentBytes + 1, 0);
  auto big = (*store)->put(huge);
  ASSERT_FALSE(big);
  EXPECT_TRUE(big.error().is(ComponentErrc::kLimit));
}

TEST(ComponentStore, ACorruptedFileIsNeverReturned) {
  TempDir dir;
  auto store = ComponentStore::open(dir.path());
  ASSERT_TRUE(store);
  auto d = (*store)->put(component_bytes(3));
  ASSERT_TRUE(d);
  {
    std::ofstream f(dir.path() / (d->hex(HexPrefix::kNone) + ".wasm"), std::ios::binary | std::ios::app);
    f << "x";
  }
  auto r = (*store)->get(*d);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kInternal));
  EXPECT_NE(r.error().message().find("does not match"), std::string::npos);
}

TEST(ComponentStore, OpenFailsOnAFile) {
  TempDir dir;
  const auto file = dir.write("not-a-dir", "x");
  auto store = ComponentStore::open(file);
  ASSERT_FALSE(store);
  EXPECT_TRUE(store.error().is(ComponentErrc::kInternal));
}

TEST(ProgramCache, CompilesEachDigestOnceEvenUnderConcurrency) {
  wasm::Engine engine;
  ProgramCache cache(engine);
  const Bytes wasm = component_bytes(4);
  const Hash256 digest = crypto::sha256(wasm);
  std::atomic<int> loads{0};
  auto loader = [&]() -> Result<Bytes> {
    ++loads;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // widen the race
    return wasm;
  };
  std::vector<std::thread> threads;
  std::vector<const wasi::Program*> seen(8, nullptr);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto p = cache.get(digest, loader);
      ASSERT_TRUE(p) << p.error().message();
      seen[static_cast<std::size_t>(i)] = p->get();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(cache.compiles(), 1u);
  for (auto* p : seen) EXPECT_EQ(p, seen[0]);
}

TEST(ProgramCache, FailuresAreNotCached) {
  wasm::Engine engine;
  ProgramCache cache(engine);
  const Bytes wasm = component_bytes(5);
  const Hash256 digest = crypto::sha256(wasm);
  auto r = cache.get(digest, []() -> Result<Bytes> { return Error(ComponentErrc::kNetwork, "fetch failed"); });
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kNetwork));
  auto wrong = cache.get(digest, [] { return Result<Bytes>(component_bytes(6)); });
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message().find("do not match"), std::string::npos);
  auto bad = cache.get(crypto::sha256(Bytes{0, 'a', 's', 'm', 9, 9, 9, 9}),
                       [] { return Result<Bytes>(Bytes{0, 'a', 's', 'm', 9, 9, 9, 9}); });
  ASSERT_FALSE(bad);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_TRUE(cache.get(digest, [&] { return Result<Bytes>(wasm); }));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ProgramCache, KeepsTheMostRecentlyUsed) {
  wasm::Engine engine;
  ProgramCache cache(engine, 2);
  std::vector<Bytes> mods = {component_bytes(7), component_bytes(8), component_bytes(9)};
  auto get = [&](int i) {
    const Bytes& w = mods[static_cast<std::size_t>(i)];
    return cache.get(crypto::sha256(w), [&] { return Result<Bytes>(w); });
  };
  ASSERT_TRUE(get(0));
  ASSERT_TRUE(get(1));
  ASSERT_TRUE(get(0));  // 0 is now the most recent
  ASSERT_TRUE(get(2));  // evicts 1
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.compiles(), 3u);
  ASSERT_TRUE(get(0));
  EXPECT_EQ(cache.compiles(), 3u);  // still cached
  ASSERT_TRUE(get(1));
  EXPECT_EQ(cache.compiles(), 4u);  // was evicted
}

}  // namespace
}  // namespace wavs::component
