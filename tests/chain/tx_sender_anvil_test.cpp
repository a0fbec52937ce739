// TxSender against a real anvil: concurrency, reverts, nonce recovery, fee bumps.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "anvil.hpp"
#include "chain/tx_sender.hpp"
#include "eth/tx.hpp"
#include "evm.hpp"

namespace wavs::chain {
namespace {

using std::chrono::milliseconds;
using testing::Anvil;

// anvil's default account 1; account 0 does the test setup.
constexpr const char* kAccount1Key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

crypto::PrivateKey account1() { return *crypto::PrivateKey::from_hex(kAccount1Key); }

class TxAnvil : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& args = {}) {
    auto a = Anvil::start(args);
    ASSERT_TRUE(a) << a.error().message();
    anvil_ = std::move(*a);
    RpcConfig c;
    c.http_endpoints = {anvil_->http_url()};
    c.request_timeout = milliseconds(5000);
    rpc_ = std::make_unique<RpcClient>(c);
  }
  void TearDown() override {
    rpc_.reset();
    anvil_.reset();
  }
  TxSenderConfig fast() const {
    TxSenderConfig c;
    c.poll_interval = milliseconds(20);
    c.receipt_timeout = milliseconds(30'000);
    // Under load anvil's automine was seen to leave transactions whose lower nonce
    // arrived late unmined until the next submission; the replacement is that
    // submission, so tests do not wait long for it.
    c.bump_after = milliseconds(2'000);
    return c;
  }
  std::uint64_t nonce_of(const Address& a) { return *rpc_->transaction_count(a, BlockRef::latest()); }

  std::unique_ptr<Anvil> anvil_;
  std::unique_ptr<RpcClient> rpc_;
};

TEST_F(TxAnvil, EightThreadsTwoHundredTransactionsNoGapNoStuck) {
  start();
  auto emitter = testing::deploy(*rpc_, testing::emitter_runtime());
  ASSERT_TRUE(emitter) << emitter.error().message();
  TxSender sender(*rpc_, account1(), fast());
  const std::uint64_t first_nonce = nonce_of(sender.address());
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::vector<std::vector<TxOutcome>> outcomes(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        TxRequest req;
        req.to = *emitter;
        req.data = testing::encode_two_words(1, static_cast<std::uint64_t>(t * kEach + i));
        auto r = sender.send(req);
        if (!r) {
          ++failures;
          ADD_FAILURE() << r.error().message();
          continue;
        }
        outcomes[t].push_back(std::move(*r));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<std::uint64_t> nonces;
  std::set<std::uint64_t> serials;
  for (const auto& per_thread : outcomes) {
    for (const auto& o : per_thread) {
      EXPECT_TRUE(o.receipt.status);
      nonces.insert(o.nonce);
      ASSERT_EQ(o.receipt.logs.size(), 1u);
      serials.insert(o.receipt.logs[0].data.back() + 256u * o.receipt.logs[0].data[30]);
    }
  }
  ASSERT_EQ(nonces.size(), 200u);
  EXPECT_EQ(*nonces.begin(), first_nonce);
  EXPECT_EQ(*nonces.rbegin(), first_nonce + 199);  // 200 distinct in a 200-wide range: no gap
  EXPECT_EQ(serials.size(), 200u);
  EXPECT_EQ(nonce_of(sender.address()), first_nonce + 200);
  // Nothing mineable is left behind. The pool may still list a replacement whose nonce
  // was mined just before it arrived; such an entry can never be mined.
  auto pool = rpc_->request("txpool_inspect", Json::array());
  ASSERT_TRUE(pool) << pool.error().message();
  for (const char* section : {"pending", "queued"}) {
    if (!(*pool).contains(section)) continue;
    for (const auto& [account, by_nonce] : (*pool)[section].items()) {
      for (const auto& [nonce, summary] : by_nonce.items()) {
        EXPECT_LT(std::stoull(nonce), first_nonce + 200)
            << section << " " << account << " " << summary.dump();
      }
    }
  }
}

TEST_F(TxAnvil, CustomErrorRevertIsDecodedWithNameAndArguments) {
  start();
  auto reverter = testing::deploy(*rpc_, testing::reverter_runtime());
  ASSERT_TRUE(reverter) << reverter.error().message();
  auto quorum = eth::AbiError::parse(
      "InsufficientQuorum(uint256 signerWeight, uint256 thresholdWeight, uint256 totalWeight)");
  ASSERT_TRUE(quorum) << quorum.error().message();
  std::vector<eth::AbiValue> args = {eth::AbiValue::uint(5), eth::AbiValue::uint(7), eth::AbiValue::uint(10)};
  TxSenderConfig config = fast();
  config.known_errors = {*quorum};
  TxSender sender(*rpc_, account1(), config);
  const std::uint64_t before = nonce_of(sender.address());

  TxRequest req;
  req.to = *reverter;
  req.data = *quorum->encode(args);
  auto r = sender.send(req);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kReverted)) << r.error().message();
  EXPECT_NE(r.error().message().find("InsufficientQuorum(5, 7, 10)"), std::string::npos)
      << r.error().message();
  auto reason = revert_reason(r.error(), config.known_errors);
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->error_name, "InsufficientQuorum");
  ASSERT_EQ(reason->args.size(), 3u);
  EXPECT_EQ(*reason->args[1].as_uint(), 7);
  EXPECT_EQ(nonce_of(sender.address()), before);  // caught by estimation: nothing sent

  // Error(string) needs no registration.
  auto error_string = eth::AbiError::parse("Error(string)");
  std::vector<eth::AbiValue> msg = {eth::AbiValue::string("not allowed")};
  req.data = *error_string->encode(msg);
  r = sender.send(req);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("not allowed"), std::string::npos) << r.error().message();

  // A transaction that is mined and then fails (gas given, so no estimation) is
  // replayed to recover its reason; its nonce is spent.
  req.data = *quorum->encode(args);
  req.gas_limit = 100'000;
  r = sender.send(req);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kReverted)) << r.error().message();
  EXPECT_NE(r.error().message().find("InsufficientQuorum(5, 7, 10)"), std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("transaction 0x"), std::string::npos);
  EXPECT_EQ(nonce_of(sender.address()), before + 1);

  // The sender keeps working after reverts: no nonce was lost.
  TxRequest ok;
  ok.to = Address{};
  auto fine = sender.send(ok);
  ASSERT_TRUE(fine) << fine.error().message();
  EXPECT_EQ(fine->nonce, before + 1);
}

TEST_F(TxAnvil, RecoversWhenAnotherSenderUsedTheNonces) {
  start();
  TxSender a(*rpc_, account1(), fast());
  TxSender b(*rpc_, account1(), fast());
  TxRequest req;
  req.to = Address{};
  auto first = a.send(req);
  ASSERT_TRUE(first) << first.error().message();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.send(req));
  auto again = a.send(req);  // a's next nonce is stale: "nonce too low", then resync
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->nonce, first->nonce + 4);
}

TEST_F(TxAnvil, StuckTransactionIsReplacedWithHigherFees) {
  start({"--no-mining"});
  TxSenderConfig config = fast();
  config.bump_after = milliseconds(300);
  config.max_bumps = 3;
  TxSender sender(*rpc_, account1(), config);
  auto fees = sender.estimate_fees();
  ASSERT_TRUE(fees) << fees.error().message();
  std::thread miner([&] {
    std::this_thread::sleep_for(milliseconds(1200));
    auto mined = rpc_->request("evm_mine", Json::array());
    EXPECT_TRUE(mined) << mined.error().message();
  });
  TxRequest req;
  req.to = Address{};
  auto r = sender.send(req);
  miner.join();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_GE(r->replacements, 1);
  EXPECT_TRUE(r->receipt.status);
  // Only one version can be mined, and it is the one whose receipt we hold.
  EXPECT_EQ(nonce_of(sender.address()), r->nonce + 1);
}

TEST_F(TxAnvil, TransactionReplacedByAnotherIsSentAgainWithANewNonce) {
  start({"--no-mining"});
  TxSenderConfig config = fast();
  config.bump_after = milliseconds(300);
  TxSender sender(*rpc_, account1(), config);
  auto fees = sender.estimate_fees();
  ASSERT_TRUE(fees);
  std::optional<Result<TxOutcome>> result;
  std::thread t([&] {
    TxRequest req;
    req.to = Address{};
    result = sender.send(req);
  });
  auto pending = [&] {
    auto pool = rpc_->request("txpool_status", Json::array());
    return pool ? *parse_quantity((*pool)["pending"]) : 0u;
  };
  for (int i = 0; i < 200 && pending() == 0; ++i) std::this_thread::sleep_for(milliseconds(10));
  ASSERT_EQ(pending(), 1u);
  // Someone else with the same key replaces nonce 0 with a much better paid transaction.
  eth::Eip1559Tx other;
  other.chain_id = 31337;
  other.nonce = 0;
  other.max_priority_fee_per_gas = fees->max_priority_fee_per_gas * 10;
  other.max_fee_per_gas = fees->max_fee_per_gas * 10;
  other.gas_limit = 21000;
  Address elsewhere;
  elsewhere[0] = 0x42;
  other.to = elsewhere;
  auto replaced = rpc_->send_raw_transaction(other.sign(account1()).raw);
  ASSERT_TRUE(replaced) << replaced.error().message();
  std::atomic<bool> done{false};
  std::thread miner([&] {
    while (!done) {
      (void)rpc_->request("evm_mine", Json::array());
      std::this_thread::sleep_for(milliseconds(150));
    }
  });
  t.join();
  done = true;
  miner.join();
  ASSERT_TRUE(result && *result) << (result ? result->error().message() : "no result");
  EXPECT_EQ((*result)->nonce, 1u);
  EXPECT_TRUE((*result)->receipt.status);
  EXPECT_EQ(nonce_of(sender.address()), 2u);
}

TEST_F(TxAnvil, FeeCapBelowBaseFeeIsRefusedWithoutSpendingANonce) {
  start();
  TxSenderConfig config = fast();
  config.max_fee_per_gas_cap = 1;  // 1 wei
  TxSender sender(*rpc_, account1(), config);
  TxRequest req;
  req.to = Address{};
  auto r = sender.send(req);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kUnderpriced)) << r.error().message();
  EXPECT_EQ(nonce_of(sender.address()), 0u);
}

TEST_F(TxAnvil, UnreachableNodeIsAClearError) {
  RpcConfig c;
  c.http_endpoints = {"http://127.0.0.1:1"};
  c.call_deadline = milliseconds(2000);
  RpcClient rpc(c);
  TxSender sender(rpc, account1(), fast());
  TxRequest req;
  req.to = Address{};
  auto r = sender.send(req);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kTransport)) << r.error().message();
}

}  // namespace
}  // namespace wavs::chain
