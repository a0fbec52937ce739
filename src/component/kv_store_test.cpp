#include "component/kv_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wavs::component {
namespace {

namespace fs = std::filesystem;

std::string str(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

Bytes read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class KvStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "wavs-kv-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    file_ = dir_ / "kv.sqlite";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<KvStore> open(KvLimits limits = {}) {
    auto store = KvStore::open(file_, limits);
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message());
    return store ? std::move(*store) : nullptr;
  }

  // The stored value as text, "<absent>" when there is none.
  static std::string value_of(KvStore& store, ByteView service, std::string_view bucket,
                              std::string_view key) {
    auto got = store.get(service, bucket, as_bytes(key));
    EXPECT_TRUE(got.has_value()) << (got ? "" : got.error().message());
    if (!got || !*got) return "<absent>";
    return str(**got);
  }

  fs::path dir_;
  fs::path file_;
  const Bytes svc_a_ = Bytes(32, 0xaa);
  const Bytes svc_b_ = Bytes(32, 0xbb);
};

TEST_F(KvStoreTest, SetGetReplaceDelete) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(value_of(*store, svc_a_, "b", "k"), "<absent>");

  ASSERT_TRUE(store->set(svc_a_, "b", as_bytes("k"), as_bytes("one")));
  EXPECT_EQ(value_of(*store, svc_a_, "b", "k"), "one");
  ASSERT_TRUE(store->set(svc_a_, "b", as_bytes("k"), as_bytes("two, longer")));
  EXPECT_EQ(value_of(*store, svc_a_, "b", "k"), "two, longer");

  auto removed = store->remove(svc_a_, "b", as_bytes("k"));
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  EXPECT_EQ(value_of(*store, svc_a_, "b", "k"), "<absent>");
  removed = store->remove(svc_a_, "b", as_bytes("k"));
  ASSERT_TRUE(removed);
  EXPECT_FALSE(*removed);

  // An empty value is a value, not an absent key.
  ASSERT_TRUE(store->set(svc_a_, "b", as_bytes("empty"), {}));
  auto got = store->get(svc_a_, "b", as_bytes("empty"));
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_TRUE((*got)->empty());
  auto keys = store->list(svc_a_, "b", {}, 0);
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(str((*keys)[0]), "empty");
}

TEST_F(KvStoreTest, BinaryValuesRoundTrip) {
  auto store = open();
  ASSERT_TRUE(store);
  Bytes value;
  for (int i = 0; i < 512; ++i) value.push_back(static_cast<std::uint8_t>(i * 7));
  ASSERT_TRUE(store->set(svc_a_, "bin", as_bytes("v"), value));
  auto got = store->get(svc_a_, "bin", as_bytes("v"));
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, value);
}

TEST_F(KvStoreTest, ServicesAreIsolated) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->set(svc_a_, "shared", as_bytes("key"), as_bytes("from a")));
  ASSERT_TRUE(store->set(svc_b_, "shared", as_bytes("key"), as_bytes("from b!")));
  EXPECT_EQ(value_of(*store, svc_a_, "shared", "key"), "from a");
  EXPECT_EQ(value_of(*store, svc_b_, "shared", "key"), "from b!");
  ASSERT_TRUE(store->set(svc_b_, "shared", as_bytes("only-b"), as_bytes("x")));

  auto list_a = store->list(svc_a_, "shared", {}, 0);
  ASSERT_TRUE(list_a);
  ASSERT_EQ(list_a->size(), 1u);
  EXPECT_EQ(str((*list_a)[0]), "key");

  EXPECT_EQ(*store->usage(svc_a_), 3u + 6u);
  EXPECT_EQ(*store->usage(svc_b_), (3u + 7u) + (6u + 1u));

  auto removed = store->remove(svc_a_, "shared", as_bytes("key"));
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  EXPECT_EQ(value_of(*store, svc_b_, "shared", "key"), "from b!");
  EXPECT_EQ(*store->usage(svc_a_), 0u);

  // A service id that is a prefix of another is a different service.
  Bytes prefix(svc_b_.begin(), svc_b_.begin() + 31);
  EXPECT_EQ(value_of(*store, prefix, "shared", "key"), "<absent>");
  // So is the empty id.
  EXPECT_EQ(value_of(*store, {}, "shared", "key"), "<absent>");
  ASSERT_TRUE(store->set({}, "shared", as_bytes("key"), as_bytes("empty id")));
  EXPECT_EQ(value_of(*store, {}, "shared", "key"), "empty id");
  EXPECT_EQ(value_of(*store, svc_b_, "shared", "key"), "from b!");
}

TEST_F(KvStoreTest, BucketsAreIsolated) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->set(svc_a_, "one", as_bytes("k"), as_bytes("1")));
  ASSERT_TRUE(store->set(svc_a_, "two", as_bytes("k"), as_bytes("2")));
  EXPECT_EQ(value_of(*store, svc_a_, "one", "k"), "1");
  EXPECT_EQ(value_of(*store, svc_a_, "two", "k"), "2");
  EXPECT_EQ(value_of(*store, svc_a_, "three", "k"), "<absent>");
  ASSERT_TRUE(store->remove(svc_a_, "one", as_bytes("k")));
  EXPECT_EQ(value_of(*store, svc_a_, "two", "k"), "2");
  auto keys = store->list(svc_a_, "one", {}, 0);
  ASSERT_TRUE(keys);
  EXPECT_TRUE(keys->empty());
  auto inc = store->increment(svc_a_, "two", as_bytes("k"), 5);
  ASSERT_TRUE(inc);
  EXPECT_EQ(*inc, 7);
  EXPECT_EQ(value_of(*store, svc_a_, "one", "k"), "<absent>");
}

TEST_F(KvStoreTest, BinaryKeysListInBytewiseOrder) {
  auto store = open();
  ASSERT_TRUE(store);
  const std::vector<Bytes> sorted = {
      {0x00},     {0x00, 0x00}, {0x00, 0x01}, {0x01}, {'a'},        {'a', 0x00, 'b'},
      {'a', 'b'}, {0x7f},       {0x80},       {0xff}, {0xff, 0x00}, {0xff, 0xff},
  };
  // Inserted in an order unrelated to the expected one.
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const Bytes& key = sorted[(i * 5) % sorted.size()];
    ASSERT_TRUE(store->set(svc_a_, "bin", key, key));
  }
  auto keys = store->list(svc_a_, "bin", {}, 1000);
  ASSERT_TRUE(keys);
  EXPECT_EQ(*keys, sorted);

  // Keys differing only after a NUL byte stay distinct.
  auto got = store->get(svc_a_, "bin", Bytes{'a', 0x00, 'b'});
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, (Bytes{'a', 0x00, 'b'}));
  EXPECT_EQ(value_of(*store, svc_a_, "bin", "a"), "a");

  // A cursor that is not itself a key still starts right after its position.
  auto after = store->list(svc_a_, "bin", Bytes{0x7f, 0x00}, 2);
  ASSERT_TRUE(after);
  EXPECT_EQ(*after, (std::vector<Bytes>{{0x80}, {0xff}}));
  auto tail = store->list(svc_a_, "bin", Bytes{0xff, 0xff}, 2);
  ASSERT_TRUE(tail);
  EXPECT_TRUE(tail->empty());
}

TEST_F(KvStoreTest, ListingPagesCoverEveryKeyOnceInOrder) {
  auto store = open();
  ASSERT_TRUE(store);
  // Keys of varying lengths and high bytes, so the order is not the insertion order
  // nor the numeric one.
  std::vector<Bytes> keys;
  for (std::uint32_t i = 0; i < 2500; ++i) {
    Bytes key = {static_cast<std::uint8_t>((i * 37) & 0xff), static_cast<std::uint8_t>(i >> 8)};
    key.resize(2 + i % 3, static_cast<std::uint8_t>(i));
    keys.push_back(key);
  }
  // Compared as string_views (char_traits order is unsigned, i.e. memcmp): GCC 12 gives a
  // false -Wstringop-overread on std::sort over vectors of bytes.
  std::sort(keys.begin(), keys.end(),
            [](const Bytes& x, const Bytes& y) { return as_chars(x) < as_chars(y); });
  ASSERT_EQ(std::unique(keys.begin(), keys.end()), keys.end());
  // Another bucket and service hold keys that must not show up.
  ASSERT_TRUE(store->set(svc_a_, "other", Bytes{0x01}, {}));
  ASSERT_TRUE(store->set(svc_b_, "page", Bytes{0x01}, {}));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    // Insertion order scrambled against the sorted order.
    ASSERT_TRUE(store->set(svc_a_, "page", keys[(i * 1013) % keys.size()], as_bytes("v")));
  }

  for (std::int32_t page : {1, 2, 1000}) {
    std::vector<Bytes> seen;
    Bytes cursor;
    std::size_t pages = 0;
    for (;;) {
      auto got = store->list(svc_a_, "page", cursor, page);
      ASSERT_TRUE(got) << got.error().message();
      ASSERT_LE(got->size(), static_cast<std::size_t>(page));
      ++pages;
      seen.insert(seen.end(), got->begin(), got->end());
      if (got->size() < static_cast<std::size_t>(page)) break;
      cursor = got->back();
      ASSERT_LE(pages, keys.size() + 1) << "listing does not end";
    }
    EXPECT_EQ(seen, keys) << "page size " << page;
    EXPECT_EQ(pages, keys.size() / page + 1) << "page size " << page;
  }

  auto defaulted = store->list(svc_a_, "page", {}, 0);
  ASSERT_TRUE(defaulted);
  EXPECT_EQ(defaulted->size(), 100u);
  auto negative = store->list(svc_a_, "page", {}, -3);
  ASSERT_TRUE(negative);
  EXPECT_EQ(negative->size(), 100u);
  auto capped = store->list(svc_a_, "page", {}, 5000);
  ASSERT_TRUE(capped);
  ASSERT_EQ(capped->size(), 1000u);
  EXPECT_EQ(capped->back(), keys[999]);
}

TEST_F(KvStoreTest, KeyAndBucketRules) {
  auto store = open();
  ASSERT_TRUE(store);
  Bytes key1024(1024, 'k');
  Bytes key1025(1025, 'k');
  EXPECT_TRUE(store->set(svc_a_, "b", key1024, as_bytes("ok")));
  EXPECT_EQ(value_of(*store, svc_a_, "b", str(key1024)), "ok");

  auto too_long = store->set(svc_a_, "b", key1025, as_bytes("no"));
  ASSERT_FALSE(too_long);
  EXPECT_TRUE(too_long.error().is(ComponentErrc::kInvalid));
  EXPECT_NE(too_long.error().detail().find("key"), std::string::npos) << too_long.error().detail();
  EXPECT_NE(too_long.error().detail().find("1025"), std::string::npos) << too_long.error().detail();
  EXPECT_TRUE(store->get(svc_a_, "b", key1025).error().is(ComponentErrc::kInvalid));
  EXPECT_TRUE(store->remove(svc_a_, "b", key1025).error().is(ComponentErrc::kInvalid));
  EXPECT_TRUE(store->increment(svc_a_, "b", key1025, 1).error().is(ComponentErrc::kInvalid));

  auto empty_key = store->set(svc_a_, "b", {}, as_bytes("no"));
  ASSERT_FALSE(empty_key);
  EXPECT_TRUE(empty_key.error().is(ComponentErrc::kInvalid));
  EXPECT_TRUE(store->get(svc_a_, "b", {}).error().is(ComponentErrc::kInvalid));

  const std::string max_bucket(64, 'z');
  for (std::string_view good :
       {std::string_view("a"), std::string_view("a-z0-9_."), std::string_view(max_bucket)}) {
    EXPECT_TRUE(valid_bucket(good)) << good;
    EXPECT_TRUE(store->set(svc_a_, good, as_bytes("k"), as_bytes("v"))) << good;
  }
  const std::string long_bucket(65, 'z');
  const std::string nul_bucket("a\0b", 3);
  for (std::string_view bad : {std::string_view(""), std::string_view(long_bucket), std::string_view("Upper"),
                               std::string_view("a b"), std::string_view("a/b"), std::string_view(nul_bucket),
                               std::string_view("caf\xc3\xa9")}) {
    EXPECT_FALSE(valid_bucket(bad)) << bad;
    auto st = store->set(svc_a_, bad, as_bytes("k"), as_bytes("v"));
    ASSERT_FALSE(st) << bad;
    EXPECT_TRUE(st.error().is(ComponentErrc::kInvalid)) << bad;
    EXPECT_NE(st.error().detail().find("bucket"), std::string::npos) << st.error().detail();
    EXPECT_TRUE(store->list(svc_a_, bad, {}, 0).error().is(ComponentErrc::kInvalid)) << bad;
    EXPECT_TRUE(store->get(svc_a_, bad, as_bytes("k")).error().is(ComponentErrc::kInvalid)) << bad;
  }
  auto upper = store->set(svc_a_, "aB", as_bytes("k"), as_bytes("v"));
  EXPECT_NE(upper.error().detail().find("byte 1"), std::string::npos) << upper.error().detail();
}

TEST_F(KvStoreTest, ValueSizeLimit) {
  auto store = open();
  ASSERT_TRUE(store);
  Bytes mib(1 << 20, 0x5a);
  ASSERT_TRUE(store->set(svc_a_, "big", as_bytes("k"), mib));
  auto got = store->get(svc_a_, "big", as_bytes("k"));
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, mib);

  Bytes over((1 << 20) + 1, 0x11);
  auto st = store->set(svc_a_, "big", as_bytes("k"), over);
  ASSERT_FALSE(st);
  EXPECT_TRUE(st.error().is(ComponentErrc::kLimit));
  EXPECT_NE(st.error().detail().find("value"), std::string::npos) << st.error().detail();
  got = store->get(svc_a_, "big", as_bytes("k"));
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, mib) << "a refused set changed the stored value";
  EXPECT_EQ(*store->usage(svc_a_), 1u + (1u << 20));
}

TEST_F(KvStoreTest, QuotaCountsKeysAndValues) {
  KvLimits limits;
  limits.quota_bytes = 100;
  auto store = open(limits);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->limits().quota_bytes, 100u);
  EXPECT_EQ(*store->usage(svc_a_), 0u);

  ASSERT_TRUE(store->set(svc_a_, "q", as_bytes("k1"), Bytes(48, 'x')));  // 50
  EXPECT_EQ(*store->usage(svc_a_), 50u);
  ASSERT_TRUE(store->set(svc_a_, "r", as_bytes("k2"), Bytes(48, 'y')));  // 100, exactly the quota
  EXPECT_EQ(*store->usage(svc_a_), 100u);

  auto full = store->set(svc_a_, "q", as_bytes("k3"), Bytes(0, 'z'));
  ASSERT_FALSE(full);
  EXPECT_TRUE(full.error().is(ComponentErrc::kLimit));
  EXPECT_NE(full.error().detail().find("quota"), std::string::npos) << full.error().detail();
  EXPECT_EQ(value_of(*store, svc_a_, "q", "k3"), "<absent>");
  EXPECT_EQ(*store->usage(svc_a_), 100u);

  // Replacing counts only the difference: bigger fails and changes nothing ...
  auto bigger = store->set(svc_a_, "q", as_bytes("k1"), Bytes(49, 'X'));
  ASSERT_FALSE(bigger);
  EXPECT_TRUE(bigger.error().is(ComponentErrc::kLimit));
  EXPECT_EQ(value_of(*store, svc_a_, "q", "k1"), std::string(48, 'x'));
  // ... same size and smaller work.
  ASSERT_TRUE(store->set(svc_a_, "q", as_bytes("k1"), Bytes(48, 'w')));
  EXPECT_EQ(*store->usage(svc_a_), 100u);
  ASSERT_TRUE(store->set(svc_a_, "q", as_bytes("k1"), Bytes(8, 'v')));  // 10
  EXPECT_EQ(*store->usage(svc_a_), 60u);

  // A counter's text counts too.
  auto counter = store->increment(svc_a_, "q", as_bytes("n"), 1234567);  // 1 + 7
  ASSERT_TRUE(counter);
  EXPECT_EQ(*store->usage(svc_a_), 68u);
  ASSERT_TRUE(store->set(svc_a_, "q", as_bytes("pad"), Bytes(29, 'p')));  // 32 -> 100
  auto grow = store->increment(svc_a_, "q", as_bytes("n"), 9000000);  // 1234567 -> 10234567 (one byte more)
  ASSERT_FALSE(grow);
  EXPECT_TRUE(grow.error().is(ComponentErrc::kLimit));
  EXPECT_EQ(value_of(*store, svc_a_, "q", "n"), "1234567");

  // Another service has its own quota.
  EXPECT_TRUE(store->set(svc_b_, "q", as_bytes("k1"), Bytes(98, 'b')));

  // Deleting always works and frees exactly key plus value.
  auto removed = store->remove(svc_a_, "r", as_bytes("k2"));
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  EXPECT_EQ(*store->usage(svc_a_), 50u);
  ASSERT_TRUE(store->remove(svc_a_, "q", as_bytes("k1")));
  ASSERT_TRUE(store->remove(svc_a_, "q", as_bytes("n")));
  ASSERT_TRUE(store->remove(svc_a_, "q", as_bytes("pad")));
  EXPECT_EQ(*store->usage(svc_a_), 0u);
  EXPECT_EQ(*store->usage(svc_b_), 100u);
}

TEST_F(KvStoreTest, OverQuotaAfterLoweringAllowsShrinkingOnly) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->set(svc_a_, "q", as_bytes("a"), Bytes(99, 'a')));  // 100
  }
  KvLimits limits;
  limits.quota_bytes = 50;
  auto store = open(limits);
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->usage(svc_a_), 100u);
  EXPECT_TRUE(store->set(svc_a_, "q", as_bytes("b"), {}).error().is(ComponentErrc::kLimit));
  ASSERT_TRUE(store->set(svc_a_, "q", as_bytes("a"), Bytes(80, 'a')));  // shrinks to 81, still over
  EXPECT_EQ(*store->usage(svc_a_), 81u);
  ASSERT_TRUE(*store->remove(svc_a_, "q", as_bytes("a")));
  EXPECT_EQ(*store->usage(svc_a_), 0u);
  EXPECT_TRUE(store->set(svc_a_, "q", as_bytes("b"), Bytes(49, 'b')));
}

TEST_F(KvStoreTest, Counters) {
  auto store = open();
  ASSERT_TRUE(store);
  auto n = store->increment(svc_a_, "c", as_bytes("absent"), 0);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0);
  n = store->increment(svc_a_, "c", as_bytes("fresh"), 1);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(value_of(*store, svc_a_, "c", "fresh"), "1");

  ASSERT_TRUE(store->set(svc_a_, "c", as_bytes("k"), as_bytes("42")));
  n = store->increment(svc_a_, "c", as_bytes("k"), 1);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 43);
  EXPECT_EQ(value_of(*store, svc_a_, "c", "k"), "43");
  n = store->increment(svc_a_, "c", as_bytes("k"), -50);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, -7);
  EXPECT_EQ(value_of(*store, svc_a_, "c", "k"), "-7");
  n = store->increment(svc_a_, "c", as_bytes("k"), 7);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(value_of(*store, svc_a_, "c", "k"), "0");

  ASSERT_TRUE(store->set(svc_a_, "c", as_bytes("neg"), as_bytes("-7")));
  n = store->increment(svc_a_, "c", as_bytes("neg"), -3);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, -10);
  EXPECT_EQ(value_of(*store, svc_a_, "c", "neg"), "-10");

  for (std::string_view bad : {"007", "+1", "-0", " 1", "1 ", "1.0", "abc", "", "-", "--1", "0x10",
                               "9223372036854775808", "-9223372036854775809", "99999999999999999999"}) {
    ASSERT_TRUE(store->set(svc_a_, "c", as_bytes("bad"), as_bytes(bad)));
    std::uint64_t before = *store->usage(svc_a_);
    auto r = store->increment(svc_a_, "c", as_bytes("bad"), 1);
    ASSERT_FALSE(r) << "'" << bad << "'";
    EXPECT_TRUE(r.error().is(ComponentErrc::kType)) << "'" << bad << "': " << r.error().message();
    EXPECT_EQ(value_of(*store, svc_a_, "c", "bad"), bad);
    EXPECT_EQ(*store->usage(svc_a_), before);
  }
  // A NUL inside the text is not a counter either.
  ASSERT_TRUE(store->set(svc_a_, "c", as_bytes("nul"), Bytes{'1', 0x00}));
  EXPECT_TRUE(store->increment(svc_a_, "c", as_bytes("nul"), 1).error().is(ComponentErrc::kType));
}

TEST_F(KvStoreTest, CounterOverflowChangesNothing) {
  auto store = open();
  ASSERT_TRUE(store);
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  ASSERT_TRUE(store->set(svc_a_, "c", as_bytes("max"), as_bytes("9223372036854775806")));
  auto n = store->increment(svc_a_, "c", as_bytes("max"), 1);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, kMax);
  auto over = store->increment(svc_a_, "c", as_bytes("max"), 1);
  ASSERT_FALSE(over);
  EXPECT_TRUE(over.error().is(ComponentErrc::kLimit)) << over.error().message();
  EXPECT_EQ(value_of(*store, svc_a_, "c", "max"), "9223372036854775807");

  ASSERT_TRUE(store->set(svc_a_, "c", as_bytes("min"), as_bytes("-9223372036854775808")));
  auto under = store->increment(svc_a_, "c", as_bytes("min"), -1);
  ASSERT_FALSE(under);
  EXPECT_TRUE(under.error().is(ComponentErrc::kLimit));
  EXPECT_EQ(value_of(*store, svc_a_, "c", "min"), "-9223372036854775808");
  n = store->increment(svc_a_, "c", as_bytes("min"), kMax);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, -1);

  // Absent counts as 0, so the extremes themselves are reachable.
  n = store->increment(svc_a_, "c", as_bytes("low"), kMin);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, kMin);
  EXPECT_EQ(value_of(*store, svc_a_, "c", "low"), "-9223372036854775808");
}

TEST(KvParseCounter, CanonicalDecimalOnly) {
  EXPECT_EQ(parse_counter(as_bytes("0")), 0);
  EXPECT_EQ(parse_counter(as_bytes("42")), 42);
  EXPECT_EQ(parse_counter(as_bytes("-7")), -7);
  EXPECT_EQ(parse_counter(as_bytes("9223372036854775807")), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parse_counter(as_bytes("-9223372036854775808")), std::numeric_limits<std::int64_t>::min());
  for (std::string_view bad :
       {"", "-", "-0", "00", "007", "-07", "+1", " 1", "1 ", "1.0", "1e3", "abc", "0x1",
        "9223372036854775808", "-9223372036854775809", "18446744073709551616"}) {
    EXPECT_EQ(parse_counter(as_bytes(bad)), std::nullopt) << "'" << bad << "'";
  }
}

TEST_F(KvStoreTest, DataSurvivesReopen) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->set(svc_a_, "d", as_bytes("k"), as_bytes("kept")));
    ASSERT_TRUE(store->increment(svc_a_, "d", as_bytes("n"), 41));
    ASSERT_TRUE(store->set(svc_a_, "d", as_bytes("gone"), as_bytes("x")));
    ASSERT_TRUE(store->remove(svc_a_, "d", as_bytes("gone")));
  }
  // The file is SQLite in WAL mode (header bytes 18-19 are 2) with schema version 1
  // (big-endian at offset 60).
  Bytes header = read_all(file_);
  ASSERT_GE(header.size(), 100u);
  EXPECT_EQ(std::string(header.begin(), header.begin() + 15), "SQLite format 3");
  EXPECT_EQ(header[18], 2);
  EXPECT_EQ(header[19], 2);
  EXPECT_EQ(header[63], 1);

  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(value_of(*store, svc_a_, "d", "k"), "kept");
  EXPECT_EQ(value_of(*store, svc_a_, "d", "gone"), "<absent>");
  auto n = store->increment(svc_a_, "d", as_bytes("n"), 1);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 42);
  EXPECT_EQ(*store->usage(svc_a_), (1u + 4u) + (1u + 2u));
}

// Files written before the store moved onto storage::Database carry only PRAGMA
// user_version 1: they must open with their data, not be refused as foreign.
TEST_F(KvStoreTest, FileOfTheFirstFormatIsAdoptedWithItsData) {
  {
    // Exactly what the first KvStore::open and set wrote.
    sqlite3* old = nullptr;
    ASSERT_EQ(sqlite3_open(file_.c_str(), &old), SQLITE_OK);
    const char* sql =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; BEGIN IMMEDIATE;"
        "CREATE TABLE IF NOT EXISTS kv("
        "  service BLOB NOT NULL, bucket TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,"
        "  PRIMARY KEY (service, bucket, key)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS kv_usage("
        "  service BLOB NOT NULL PRIMARY KEY, bytes INTEGER NOT NULL) WITHOUT ROWID;"
        "PRAGMA user_version=1; COMMIT;";
    ASSERT_EQ(sqlite3_exec(old, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(old);
    sqlite3_stmt* put = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(old, "INSERT INTO kv VALUES (?1, 'c', ?2, ?3)", -1, &put, nullptr),
              SQLITE_OK);
    for (auto [key, value] : {std::pair<std::string, std::string>{"n", "41"}, {"name", "old"}}) {
      sqlite3_bind_blob(put, 1, svc_a_.data(), static_cast<int>(svc_a_.size()), SQLITE_TRANSIENT);
      sqlite3_bind_blob(put, 2, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
      sqlite3_bind_blob(put, 3, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
      ASSERT_EQ(sqlite3_step(put), SQLITE_DONE);
      sqlite3_reset(put);
    }
    sqlite3_finalize(put);
    sqlite3_stmt* usage = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(old, "INSERT INTO kv_usage VALUES (?1, 10)", -1, &usage, nullptr),
              SQLITE_OK);
    sqlite3_bind_blob(usage, 1, svc_a_.data(), static_cast<int>(svc_a_.size()), SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(usage), SQLITE_DONE);
    sqlite3_finalize(usage);
    sqlite3_close(old);
  }
  {
    auto store = open();
    ASSERT_TRUE(store);
    EXPECT_EQ(value_of(*store, svc_a_, "c", "name"), "old");
    EXPECT_EQ(*store->usage(svc_a_), (1u + 2u) + (4u + 3u));
    auto n = store->increment(svc_a_, "c", as_bytes("n"), 1);
    ASSERT_TRUE(n) << n.error().message();
    EXPECT_EQ(*n, 42);
  }
  // Now marked as a WAVS file (application_id "WAVS" at offset 68), still at version 1,
  // so a build of the first format can open it too.
  Bytes header = read_all(file_);
  ASSERT_GE(header.size(), 100u);
  EXPECT_EQ(std::string(header.begin() + 68, header.begin() + 72), "WAVS");
  EXPECT_EQ(header[63], 1);
  auto again = open();
  ASSERT_TRUE(again);
  EXPECT_EQ(value_of(*again, svc_a_, "c", "n"), "42");
}

TEST_F(KvStoreTest, ConcurrentIncrementsThroughOneStore) {
  auto store = open();
  ASSERT_TRUE(store);
  constexpr int kThreads = 8;
  constexpr int kEach = 500;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        if (!store->increment(svc_a_, "c", as_bytes("hits"), 1)) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(value_of(*store, svc_a_, "c", "hits"), std::to_string(kThreads * kEach));
}

TEST_F(KvStoreTest, TwoStoresOnOneFileLoseNothing) {
  // Two connections to one file behave as two node processes would: their transactions
  // serialize on SQLite's file lock, not on a shared mutex.
  auto first = open();
  auto second = open();
  ASSERT_TRUE(first && second);
  constexpr int kEach = 500;
  std::atomic<int> failures{0};
  std::mutex error_mutex;
  std::string first_error;
  auto note = [&](const Error& e) {
    ++failures;
    std::lock_guard lock(error_mutex);
    if (first_error.empty()) first_error = e.message();
  };
  auto work = [&](KvStore* store, std::string_view own_key) {
    for (int i = 0; i < kEach; ++i) {
      if (auto r = store->increment(svc_a_, "c", as_bytes("shared"), 1); !r) note(r.error());
      if (auto r = store->set(svc_a_, "c", as_bytes(own_key), as_bytes(std::to_string(i))); !r)
        note(r.error());
    }
  };
  std::thread a(work, first.get(), "a");
  std::thread b(work, second.get(), "b");
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0) << first_error;
  EXPECT_EQ(value_of(*first, svc_a_, "c", "shared"), std::to_string(2 * kEach));
  EXPECT_EQ(value_of(*second, svc_a_, "c", "shared"), std::to_string(2 * kEach));
  EXPECT_EQ(value_of(*second, svc_a_, "c", "a"), std::to_string(kEach - 1));
  // Usage stayed in step across both writers: "shared"+"1000", "a"+"499", "b"+"499".
  EXPECT_EQ(*first->usage(svc_a_), (6u + 4u) + (1u + 3u) + (1u + 3u));
}

TEST_F(KvStoreTest, GarbageFileIsRefusedWithItsName) {
  {
    std::ofstream out(file_, std::ios::binary);
    for (int i = 0; i < 200; ++i) out << "this is not a database, just some text. ";
  }
  Bytes before = read_all(file_);
  auto store = KvStore::open(file_);
  ASSERT_FALSE(store);
  EXPECT_TRUE(store.error().is(ComponentErrc::kInternal));
  EXPECT_NE(store.error().detail().find(file_.string()), std::string::npos) << store.error().detail();
  EXPECT_EQ(read_all(file_), before) << "opening a foreign file modified it";
}

TEST_F(KvStoreTest, ForeignSqliteFileIsRefusedUnmarked) {
  // Another program's database that happens to have a "kv" table of another shape.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(file_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "CREATE TABLE kv(x INTEGER); INSERT INTO kv VALUES (7);", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(other);

  auto store = KvStore::open(file_);
  ASSERT_FALSE(store);
  EXPECT_TRUE(store.error().is(ComponentErrc::kInternal));
  EXPECT_NE(store.error().detail().find(file_.string()), std::string::npos) << store.error().detail();
  Bytes header = read_all(file_);
  ASSERT_GE(header.size(), 100u);
  EXPECT_EQ(header[63], 0) << "the foreign file was marked with the store's schema version";
}

TEST_F(KvStoreTest, MissingDirectoryIsAnError) {
  auto missing = dir_ / "no" / "such" / "dir" / "kv.sqlite";
  auto store = KvStore::open(missing);
  ASSERT_FALSE(store);
  EXPECT_TRUE(store.error().is(ComponentErrc::kInternal));
  EXPECT_NE(store.error().detail().find(missing.string()), std::string::npos) << store.error().detail();
}

TEST_F(KvStoreTest, NewerSchemaVersionIsRefused) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->set(svc_a_, "v", as_bytes("k"), as_bytes("v")));
  }
  // Closing the last connection folded the WAL into the file, so user_version is in the
  // header (big-endian u32 at offset 60).
  Bytes data = read_all(file_);
  ASSERT_GE(data.size(), 100u);
  data[60] = 0;
  data[61] = 0;
  data[62] = 0;
  data[63] = 2;
  {
    std::ofstream out(file_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  }
  auto store = KvStore::open(file_);
  ASSERT_FALSE(store);
  EXPECT_TRUE(store.error().is(ComponentErrc::kInternal));
  EXPECT_NE(store.error().detail().find("schema version 2"), std::string::npos) << store.error().detail();
  EXPECT_NE(store.error().detail().find(file_.string()), std::string::npos) << store.error().detail();
}

TEST_F(KvStoreTest, WriterBlockedByAnotherProcessTimesOutCleanly) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->set(svc_a_, "w", as_bytes("k"), as_bytes("before")));
  // A raw connection stands in for another process that holds the write lock too long.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(file_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  auto start = std::chrono::steady_clock::now();
  auto st = store->set(svc_a_, "w", as_bytes("k"), as_bytes("after"));
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(st);
  EXPECT_TRUE(st.error().is(ComponentErrc::kInternal));
  EXPECT_NE(st.error().detail().find("locked"), std::string::npos) << st.error().detail();
  EXPECT_NE(st.error().detail().find("set"), std::string::npos) << st.error().detail();
  EXPECT_GE(waited, std::chrono::seconds(4)) << "gave up without waiting for the lock";
  EXPECT_LT(waited, std::chrono::seconds(30));
  // Reads still work while another process writes (WAL).
  EXPECT_EQ(value_of(*store, svc_a_, "w", "k"), "before");

  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  ASSERT_TRUE(store->set(svc_a_, "w", as_bytes("k"), as_bytes("after")));
  EXPECT_EQ(value_of(*store, svc_a_, "w", "k"), "after");
}

TEST_F(KvStoreTest, SecondStoreSeesCommittedWrites) {
  auto first = open();
  auto second = open();
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->set(svc_a_, "x", as_bytes("k"), as_bytes("v1")));
  EXPECT_EQ(value_of(*second, svc_a_, "x", "k"), "v1");
  ASSERT_TRUE(second->set(svc_a_, "x", as_bytes("k"), as_bytes("v2")));
  EXPECT_EQ(value_of(*first, svc_a_, "x", "k"), "v2");
  EXPECT_EQ(*first->usage(svc_a_), 3u);
}

}  // namespace
}  // namespace wavs::component
