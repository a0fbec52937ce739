#include "crypto/hd.hpp"

#include <gtest/gtest.h>

#include "crypto/hash.hpp"

namespace wavs::crypto {
namespace {

constexpr std::string_view kAnvilMnemonic = "test test test test test test test test test test test junk";

struct Bip39Vector {
  const char* entropy;
  const char* phrase;
  const char* seed;  // with passphrase "TREZOR"
  const char* xprv;  // master key of that seed, or nullptr
};

// From the BIP-39 reference test vectors (vectors.json, English, passphrase "TREZOR").
const Bip39Vector kBip39[] = {
    {"00000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
     "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3"
     "c4ab7c81b2f001698e7463b04",
     "xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9"
     "XFKzUsAF"},
    {"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank yellow",
     "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5b"
     "d381ee6260e8d9739fce1f607",
     nullptr},
    {"80808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
     "d71de856f81a8acc65e6fc851a38d4d7ec216fd0796d0a6827a3ad6ed5511a30fa280f12eb2e47ed2ac03b5c462a0358d18d69f"
     "e4f985ec81778c1b370b652a8",
     nullptr},
    {"ffffffffffffffffffffffffffffffff", "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
     "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327"
     "651a14c34e18231052e48c069",
     nullptr},
    {"9e885d952ad362caeb4efe34a8e91bd2",
     "ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic",
     "274ddc525802f7c828d8ef7ddbcdc5304e87ac3535913611fbbfa986d0c9e5476c91689f9c8a54fd55bd38606aa6a8595ad213d"
     "4c9c9f9aca3fb217069a41028",
     nullptr},
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
     "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4"
     "a10be8ed2a5e608d68f92fcc8",
     nullptr},
    {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
     "dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407be899ffd31ed3992c456cdf"
     "60f5d4564b8ba3f05a69890ad",
     nullptr},
};

TEST(Bip39, WordListIsSortedUniqueAnd2048) {
  EXPECT_EQ(bip39_word(0), "abandon");
  EXPECT_EQ(bip39_word(2047), "zoo");
  EXPECT_EQ(bip39_word(2048), "");
  std::string all;
  for (std::size_t i = 0; i < 2048; ++i) {
    if (i > 0) {
      EXPECT_LT(bip39_word(i - 1), bip39_word(i));
    }
    EXPECT_EQ(bip39_index(bip39_word(i)), static_cast<int>(i));
    all += bip39_word(i);
    all += '\n';
  }
  // sha256 of the published english.txt.
  EXPECT_EQ(sha256(as_bytes(all)).hex(HexPrefix::kNone),
            "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda");
  EXPECT_EQ(bip39_index("notaword"), -1);
}

TEST(Bip39, OfficialVectors) {
  for (const auto& v : kBip39) {
    auto m = Mnemonic::from_entropy(*from_hex(v.entropy));
    ASSERT_TRUE(m) << v.entropy;
    EXPECT_EQ(m->phrase().reveal(), v.phrase);
    auto parsed = Mnemonic::parse(v.phrase);
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(to_hex(parsed->to_seed("TREZOR").reveal(), HexPrefix::kNone), v.seed);
    if (v.xprv) {
      auto master = HdKey::from_seed(parsed->to_seed("TREZOR"));
      ASSERT_TRUE(master);
      EXPECT_EQ(master->to_xprv().reveal(), v.xprv);
    }
  }
}

// BIP-39 normalises the passphrase to NFKD: composed and decomposed accents and the
// "fi" ligature give one seed. Expected value from Python's unicodedata.normalize("NFKD")
// and hashlib.pbkdf2_hmac.
TEST(Bip39, PassphraseIsNfkdNormalised) {
  auto m = Mnemonic::parse("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about");
  ASSERT_TRUE(m);
  const char* kExpected =
      "b63bab0e32f59fd864111c579f9c84df339c6224c8b2d4411c4fc1b72a152634"
      "d06b990abc89195241e6efb52ee402fc109bb890da57d29139d7a56f090a0287";
  const std::string composed = "\xc3\x9c" "n" "\xc3\xaf" "c" "\xc3\xb8" "d" "\xc3\xa9" " \xef\xac\x81 \xc2\xb2";  // Ünïcødé ﬁ ²
  const std::string decomposed = "U\xcc\x88" "ni\xcc\x88" "c\xc3\xb8" "de\xcc\x81" " fi 2";
  EXPECT_EQ(to_hex(m->to_seed(composed).reveal(), HexPrefix::kNone), kExpected);
  EXPECT_EQ(to_hex(m->to_seed(decomposed).reveal(), HexPrefix::kNone), kExpected);
  // Not UTF-8: used as given, and still deterministic.
  EXPECT_EQ(to_hex(m->to_seed("\xff").reveal(), HexPrefix::kNone), to_hex(m->to_seed("\xff").reveal(), HexPrefix::kNone));
}

TEST(Bip39, ParseFoldsCaseAndWhitespace) {
  auto m = Mnemonic::parse("  TEST test\ttest test test test\ntest test test test test junk ");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->phrase().reveal(), kAnvilMnemonic);
  EXPECT_EQ(m->word_count(), 12u);
}

TEST(Bip39, WrongWordNamesPositionNotWord) {
  auto r = Mnemonic::parse("test test test test test test test test test test tesst junk");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(CryptoErrc::kInvalidMnemonic));
  EXPECT_NE(r.error().message().find("word 11"), std::string::npos);
  EXPECT_EQ(r.error().message().find("tesst"), std::string::npos);
  EXPECT_EQ(r.error().message().find("junk"), std::string::npos);
}

TEST(Bip39, BadChecksumAndWrongCount) {
  auto r = Mnemonic::parse("test test test test test test test test test test test test");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(CryptoErrc::kBadChecksum));
  EXPECT_EQ(r.error().message().find("test"), std::string::npos);
  auto c = Mnemonic::parse("test test test");
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().is(CryptoErrc::kInvalidMnemonic));
  EXPECT_TRUE(Mnemonic::parse("").error().is(CryptoErrc::kInvalidMnemonic));
  std::string many;
  for (int i = 0; i < 100000; ++i) many += "test ";
  auto too_many = Mnemonic::parse(many);
  ASSERT_FALSE(too_many);
  EXPECT_NE(too_many.error().message().find("more than 24"), std::string::npos);
  auto long_word = Mnemonic::parse(std::string(1000, 'a'));
  EXPECT_TRUE(long_word.error().is(CryptoErrc::kInvalidMnemonic));
}

TEST(Bip39, GenerateRoundTrips) {
  for (int words : {12, 15, 18, 21, 24}) {
    auto m = Mnemonic::generate(words);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->word_count(), static_cast<std::size_t>(words));
    auto again = Mnemonic::parse(m->phrase().reveal());
    ASSERT_TRUE(again) << again.error().message();
  }
  EXPECT_FALSE(Mnemonic::generate(13));
  EXPECT_TRUE(Mnemonic::from_entropy(Bytes(15)).error().is(CryptoErrc::kInvalidEntropy));
}

TEST(Bip39, ToStringIsRedacted) {
  auto m = *Mnemonic::parse(kAnvilMnemonic);
  EXPECT_EQ(m.to_string(), "Mnemonic(12 words, <redacted>)");
  EXPECT_EQ(m.to_seed().to_string(), "Seed(<redacted>)");
}

struct Bip32Step {
  const char* path;
  const char* xprv;
  const char* xpub;
};

TEST(Bip32, OfficialVector1) {
  const Bip32Step steps[] = {
      {"m",
       "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33"
       "yuGBxrMPHi",
       "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp"
       "6W1EGMcet8"},
      {"m/0'",
       "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7XnxHrnYeSvk"
       "zY7d2bhkJ7",
       "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL"
       "2dZXvgGDnw"},
      {"m/0'/1",
       "xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZQaXwTCg8MSY3H2EU4pWcQDnR"
       "nrVA1xe8fs",
       nullptr},
      {"m/0'/1/2'",
       "xprv9z4pot5VBttmtdRTWfWQmoH1taj2axGVzFqSb8C9xaxKymcFzXBDptWmT7FwuEzG3ryjH4ktypQSAewRiNMjANTtpgP4mLTj3"
       "4bhnZX7UiM",
       nullptr},
      {"m/0'/1/2'/2",
       "xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb2Tyh8RfQMuPh7f7RtyzTtdrbdqqsunu5Mm3wDvUAKRHSC"
       "34sJ7in334",
       nullptr},
      {"m/0'/1/2'/2/1000000000",
       "xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSruoUihUZREPSL39U"
       "NdE3BBDu76",
       nullptr},
  };
  auto master = HdKey::from_seed(*from_hex("000102030405060708090a0b0c0d0e0f"));
  ASSERT_TRUE(master);
  for (const auto& s : steps) {
    auto path = DerivationPath::parse(s.path);
    ASSERT_TRUE(path) << s.path;
    EXPECT_EQ(path->to_string(), s.path);
    auto key = master->derive(*path);
    ASSERT_TRUE(key) << s.path;
    EXPECT_EQ(key->to_xprv().reveal(), s.xprv) << s.path;
    if (s.xpub) {
      EXPECT_EQ(key->to_xpub(), s.xpub) << s.path;
    }
  }
}

TEST(Bip32, OfficialVector2Master) {
  auto seed = from_hex(
      "fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b7875726f6c69"
      "6663605d5a5754514e4b484542");
  auto master = HdKey::from_seed(*seed);
  ASSERT_TRUE(master);
  EXPECT_EQ(master->to_xprv().reveal(),
            "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFt"
            "T2emdEXVYsCzC2U");
}

TEST(Bip32, PathParsing) {
  auto p = DerivationPath::parse("m/44h/60H/0'/0/7");
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, DerivationPath::ethereum(7));
  EXPECT_EQ(DerivationPath::ethereum(7).to_string(), "m/44'/60'/0'/0/7");
  EXPECT_TRUE(DerivationPath::parse("m")->steps.empty());
  for (std::string_view bad :
       {"", "44/60", "m/", "m//1", "m/x", "m/2147483648", "m/1''", "m/99999999999999999999"}) {
    auto r = DerivationPath::parse(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_TRUE(r.error().is(CryptoErrc::kInvalidPath));
    }
  }
}

TEST(Bip44, AnvilDefaultAccounts) {
  auto m = Mnemonic::parse(kAnvilMnemonic);
  ASSERT_TRUE(m);
  const char* expected[] = {
      "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
      "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"};
  auto master = HdKey::from_seed(m->to_seed());
  ASSERT_TRUE(master);
  for (std::uint32_t i = 0; i < 5; ++i) {
    auto key = master->derive(DerivationPath::ethereum(i));
    ASSERT_TRUE(key);
    EXPECT_EQ(key->private_key().address().to_checksum(), expected[i]) << i;
  }
  auto k9 = derive_eth_key(*m, 9);
  ASSERT_TRUE(k9);
  EXPECT_EQ(k9->address().to_checksum(), "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");
  auto k1 = derive_eth_key(*m, 1);
  ASSERT_TRUE(k1);
  EXPECT_EQ(k1->reveal_hex().reveal(), "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
  EXPECT_FALSE(derive_eth_key(*m, DerivationPath::kHardened));
}

TEST(Bip32, ToStringIsRedacted) {
  auto master = *HdKey::from_seed(*from_hex("000102030405060708090a0b0c0d0e0f"));
  std::string s = master.to_string();
  EXPECT_NE(s.find("depth 0"), std::string::npos);
  EXPECT_EQ(s.find("xprv"), std::string::npos);
  EXPECT_FALSE(HdKey::from_seed(Bytes(8)));
}

TEST(Credential, KeyOrPhraseWithoutEchoingEither) {
  const std::string hex = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";  // anvil account 0
  auto a = key_from_credential(Secret("0x" + hex));
  auto b = key_from_credential(Secret(" " + hex + "\n"));
  auto c = key_from_credential(Secret("test test test test test test test test test test test junk"));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->address().to_checksum(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  EXPECT_EQ(b->address(), a->address());
  EXPECT_EQ(c->address(), a->address());
  for (const std::string bad : {"", "0xdeadbeefcafe", "zebra zebra secretword"}) {
    auto k = key_from_credential(Secret(bad));
    ASSERT_FALSE(k) << bad;
    if (!bad.empty()) {
      EXPECT_EQ(k.error().message().find(bad.substr(2)), std::string::npos) << k.error().message();
    }
  }
}

}  // namespace
}  // namespace wavs::crypto
