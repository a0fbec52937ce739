#include "common/utf8.hpp"

#include <gtest/gtest.h>

namespace wavs {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));                          // U+10FFFF
}

TEST(Utf8, RejectsIllFormedText) {
  EXPECT_FALSE(valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));      // overlong 3-byte
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(valid_utf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(valid_utf8("\xff"));
}

TEST(Utf8, SanitizeReplacesMaximalBadSubparts) {
  EXPECT_EQ(sanitize_utf8("ok"), "ok");
  EXPECT_EQ(sanitize_utf8("a\xffz"), "a\xef\xbf\xbdz");
  // A truncated 3-byte sequence is one bad subpart, then the next character survives.
  EXPECT_EQ(sanitize_utf8("\xe2\x82z"), "\xef\xbf\xbdz");
  EXPECT_EQ(sanitize_utf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_TRUE(valid_utf8(sanitize_utf8("\xc0\xaf\xf4\x90\x80\x80\x80")));
}

TEST(Utf8, PrefixNeverCutsASequence) {
  const std::string euro3 = "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac";  // 9 bytes
  EXPECT_EQ(utf8_prefix(euro3, 9), euro3);
  EXPECT_EQ(utf8_prefix(euro3, 8), euro3.substr(0, 6));
  EXPECT_EQ(utf8_prefix(euro3, 7), euro3.substr(0, 6));
  EXPECT_EQ(utf8_prefix(euro3, 6), euro3.substr(0, 6));
  EXPECT_EQ(utf8_prefix(euro3, 2), "");
  EXPECT_EQ(utf8_prefix("abcdef", 3), "abc");
}

TEST(Utf8, SuffixNeverStartsInsideASequence) {
  const std::string s = "x\xe2\x82\xac\xe2\x82\xac";  // x € €
  EXPECT_EQ(s.substr(utf8_suffix_start(s, 100)), s);
  EXPECT_EQ(s.substr(utf8_suffix_start(s, 5)), "\xe2\x82\xac");
  EXPECT_EQ(s.substr(utf8_suffix_start(s, 6)), "\xe2\x82\xac\xe2\x82\xac");
  const std::string abc = "abcdef";
  EXPECT_EQ(abc.substr(utf8_suffix_start(abc, 2)), "ef");
}

TEST(Utf8, QuotedExcerptIsAsciiAndBounded) {
  EXPECT_EQ(quoted_excerpt("abc", 10), "\"abc\"");
  EXPECT_EQ(quoted_excerpt("a\"b\\c\n\xc3\xa9", 10), "\"a\\x22b\\x5cc\\x0a\\xc3\\xa9\"");
  EXPECT_EQ(quoted_excerpt("abcdef", 3), "\"abc...\"");
  EXPECT_EQ(quoted_excerpt("", 3), "\"\"");
}

}  // namespace
}  // namespace wavs
