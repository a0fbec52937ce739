#include "wasi/sandbox.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "wasi/abi.hpp"
#include "wasi/test_support.hpp"

namespace wavs::wasi {
namespace {

class Sandbox : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("a/b/file", "x");
    ASSERT_EQ(symlink("/etc", (dir_.path() / "abs").c_str()), 0);
    ASSERT_EQ(symlink("../../..", (dir_.path() / "a/b/up3").c_str()), 0);
    ASSERT_EQ(symlink("b/file", (dir_.path() / "a/rel").c_str()), 0);
    ASSERT_EQ(symlink("loop2", (dir_.path() / "loop1").c_str()), 0);
    ASSERT_EQ(symlink("loop1", (dir_.path() / "loop2").c_str()), 0);
    root_ = open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(root_, 0);
  }
  void TearDown() override { close(root_); }
  Resolved resolve(std::string_view p, bool follow = true) { return resolve_beneath(root_, {}, p, follow); }

  test::TempDir dir_;
  int root_ = -1;
};

TEST_F(Sandbox, NormalPathsResolve) {
  EXPECT_EQ(join(resolve("a/b/file").path), "a/b/file");
  EXPECT_EQ(join(resolve("./a//b/../b/file").path), "a/b/file");
  EXPECT_EQ(join(resolve(".").path), ".");
  EXPECT_EQ(join(resolve("a/new-file").path), "a/new-file");
}

TEST_F(Sandbox, InnerSymlinksAreExpanded) {
  EXPECT_EQ(join(resolve("a/rel").path), "a/b/file");
  EXPECT_EQ(join(resolve("a/rel", false).path), "a/rel");
}

TEST_F(Sandbox, EscapesAreNotCapable) {
  EXPECT_EQ(resolve("..").error, abi::kNotCapable);
  EXPECT_EQ(resolve("a/../../x").error, abi::kNotCapable);
  EXPECT_EQ(resolve("/etc/passwd").error, abi::kNotCapable);
  EXPECT_EQ(resolve("abs/passwd").error, abi::kNotCapable);
  EXPECT_EQ(resolve("a/b/up3/etc").error, abi::kNotCapable);
}

TEST_F(Sandbox, LoopsEndInEloop) { EXPECT_EQ(resolve("loop1").error, abi::kLoop); }

TEST_F(Sandbox, MissingIntermediateIsEnoent) {
  EXPECT_EQ(resolve("nope/x").error, abi::kNoEnt);
  EXPECT_EQ(resolve("a/b/file/x").error, abi::kNotDir);
  EXPECT_EQ(resolve("").error, abi::kNoEnt);
  EXPECT_EQ(resolve(std::string_view("a\0b", 3)).error, abi::kIlseq);
}

TEST_F(Sandbox, BaseDirectoryCountsTowardsTheRoot) {
  EXPECT_EQ(join(resolve_beneath(root_, {"a", "b"}, "../rel", true).path), "a/b/file");
  EXPECT_EQ(resolve_beneath(root_, {"a"}, "../..", true).error, abi::kNotCapable);
}

TEST(LinkTarget, StaysBeneathTheRoot) {
  EXPECT_TRUE(link_target_beneath({"a"}, "../b"));
  EXPECT_FALSE(link_target_beneath({"a"}, "../../b"));
  EXPECT_FALSE(link_target_beneath({}, "/etc"));
  EXPECT_FALSE(link_target_beneath({}, ""));
}

TEST(ErrnoMapping, CommonValues) {
  EXPECT_EQ(errno_to_wasi(ENOENT), abi::kNoEnt);
  EXPECT_EQ(errno_to_wasi(EEXIST), abi::kExist);
  EXPECT_EQ(errno_to_wasi(ELOOP), abi::kLoop);
  EXPECT_EQ(errno_to_wasi(12345), abi::kIo);
}

TEST_F(Sandbox, OpenBeneathRefusesSymlinks) {
  int fd = open_beneath(root_, "a/b/file", O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  close(fd);
  EXPECT_LT(open_beneath(root_, "abs/passwd", O_RDONLY | O_CLOEXEC, 0), 0);
  EXPECT_LT(open_beneath(root_, "../x", O_RDONLY | O_CLOEXEC, 0), 0);
}

}  // namespace
}  // namespace wavs::wasi
