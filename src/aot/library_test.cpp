#include "aot/library.hpp"

#include <dirent.h>

#include <gtest/gtest.h>

#include "aot/error.hpp"
#include "aot/toolchain.hpp"

namespace wavs::aot {
namespace {

std::size_t open_fds() {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    ::closedir(d);
  }
  return n;
}

Bytes compile_value(int value) {
  auto so =
      compile_shared_object({}, "int wavs_test_value(void) { return " + std::to_string(value) + "; }\n");
  EXPECT_TRUE(so) << so.error().message();
  return so ? *so : Bytes{};
}

int call_value(const Library& lib) {
  auto* fn = reinterpret_cast<int (*)()>(lib.symbol("wavs_test_value"));
  return fn != nullptr ? fn() : -1;
}

TEST(Library, BadBytesAreLoadFailed) {
  const std::size_t fds_before = open_fds();
  for (const Bytes& bad : {Bytes{}, Bytes{'n', 'o', 't', ' ', 'e', 'l', 'f'}, Bytes(4096, 0x7f)}) {
    auto lib = Library::load(bad);
    ASSERT_FALSE(lib);
    EXPECT_TRUE(lib.error().is(AotErrc::kLoadFailed));
    EXPECT_GT(lib.error().detail().size(), 0u);
  }
  EXPECT_EQ(open_fds(), fds_before);  // a failed load leaves no memfd behind
}

TEST(Library, TruncatedObjectIsLoadFailed) {
  Bytes so = compile_value(1);
  ASSERT_GT(so.size(), 1000u);
  so.resize(so.size() / 2);
  auto lib = Library::load(so);
  ASSERT_FALSE(lib);
  EXPECT_TRUE(lib.error().is(AotErrc::kLoadFailed)) << lib.error().message();
}

TEST(Library, UnresolvedSymbolFailsTheLoadNotTheCall) {
  auto so = compile_shared_object(
      {}, "extern int wavs_test_nowhere(void);\nint wavs_test_value(void) { return wavs_test_nowhere(); }\n");
  ASSERT_TRUE(so) << so.error().message();
  auto lib = Library::load(*so);
  ASSERT_FALSE(lib);
  EXPECT_TRUE(lib.error().is(AotErrc::kLoadFailed));
  EXPECT_NE(lib.error().message().find("wavs_test_nowhere"), std::string::npos) << lib.error().message();
}

TEST(Library, ObjectsWithTheSameSymbolsStayApart) {
  const Bytes a = compile_value(11);
  const Bytes b = compile_value(22);
  auto la = Library::load(a);
  auto lb = Library::load(b);
  ASSERT_TRUE(la && lb);
  EXPECT_EQ(call_value(**la), 11);
  EXPECT_EQ(call_value(**lb), 22);

  // A new load after an unload gets the descriptor number, and so the name, the old one
  // had: it must load the new bytes, not hand back the old object.
  la->reset();
  auto lc = Library::load(compile_value(33));
  ASSERT_TRUE(lc);
  EXPECT_EQ(call_value(**lc), 33);
  EXPECT_EQ(call_value(**lb), 22);
}

TEST(Library, AnObjectTheLoaderKeepsDoesNotShadowTheNextLoad) {
  // -z nodelete keeps the object mapped after dlclose, under its /proc/self/fd name,
  // while the descriptor number is free for the next memfd.
  ToolchainConfig nodelete;
  nodelete.flags.push_back("-Wl,-z,nodelete");
  auto kept = compile_shared_object(nodelete, "int wavs_test_value(void) { return 44; }\n");
  ASSERT_TRUE(kept) << kept.error().message();
  const Bytes next = compile_value(55);
  {
    auto lib = Library::load(*kept);
    ASSERT_TRUE(lib) << lib.error().message();
    EXPECT_EQ(call_value(**lib), 44);
  }
  auto lib = Library::load(next);
  ASSERT_TRUE(lib) << lib.error().message();
  EXPECT_EQ(call_value(**lib), 55);
}

TEST(Library, ManyLoadsKeepOneDescriptorEach) {
  const Bytes so = compile_value(5);
  const std::size_t before = open_fds();
  {
    std::vector<std::shared_ptr<Library>> libs;
    for (int i = 0; i < 20; ++i) {
      auto lib = Library::load(so);
      ASSERT_TRUE(lib) << lib.error().message();
      EXPECT_EQ(call_value(**lib), 5);
      libs.push_back(*lib);
    }
    EXPECT_EQ(open_fds(), before + 20);
  }
  EXPECT_EQ(open_fds(), before);
}

}  // namespace
}  // namespace wavs::aot
