#include "aggregator/state.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "aggregator/aggregator.hpp"
#include "common/test_support.hpp"
#include "crypto/hd.hpp"

namespace wavs::aggregator {
namespace {

crypto::PrivateKey key(std::uint8_t n) {
  Bytes raw(32, 0);
  raw[31] = n;
  return *crypto::PrivateKey::from_bytes(raw);
}

service::Manager manager() {
  return {*service::parse_chain_key("evm:31337"), *crypto::Address::from_hex("0x5fbdb2315678afecb367f032d93f642f64180aa3")};
}

eth::Envelope envelope(std::uint8_t id, std::string_view payload) {
  eth::Envelope e;
  e.event_id.data[19] = id;
  e.payload.assign(payload.begin(), payload.end());
  return e;
}

QueueKey key_of(const eth::Envelope& e) { return {service::service_id(manager()), "default", e.event_id, e.digest()}; }

SignatureRecord signed_by(std::uint8_t n, const eth::Envelope& e, std::uint64_t weight = 1) {
  SignatureRecord r;
  auto k = key(n);
  r.signer = k.address();
  r.operator_address = key(static_cast<std::uint8_t>(n + 100)).address();
  r.weight = weight;
  r.signature = e.sign(k);
  return r;
}

class AggregatorStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    reopen();
  }
  void reopen() {
    state_.reset();
    auto s = AggregatorState::open(dir_.path() / "aggregator.sqlite");
    ASSERT_TRUE(s) << s.error().message();
    state_ = std::move(*s);
  }
  test::TempDir dir_{"wavs-agg-state"};
  std::unique_ptr<AggregatorState> state_;
};

TEST_F(AggregatorStateTest, ServicesPersistAndRefuseDuplicates) {
  const ServiceRecord rec{service::service_id(manager()), manager(), R"({"name":"x"})",
                          service::manifest_hash(R"({"name":"x"})")};
  ASSERT_TRUE(state_->add_service(rec));
  auto again = state_->add_service(rec);
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(AggregatorErrc::kServiceExists));
  reopen();
  auto list = state_->services();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].service_id, rec.service_id);
  EXPECT_EQ((*list)[0].manager, manager());
  EXPECT_EQ((*list)[0].manifest_json, rec.manifest_json);
  EXPECT_GT((*list)[0].added_ms, 0);

  auto removed = state_->remove_service(rec.service_id);
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  removed = state_->remove_service(rec.service_id);
  ASSERT_TRUE(removed);
  EXPECT_FALSE(*removed);
  auto upd = state_->update_service(rec);
  ASSERT_FALSE(upd);
  EXPECT_TRUE(upd.error().is(AggregatorErrc::kUnknownService));
}

TEST_F(AggregatorStateTest, SignaturesAreIdempotentPerSignerAndSurviveReopen) {
  const auto e = envelope(1, "hello");
  auto q1 = state_->add_signature(key_of(e), e, signed_by(1, e, 3));
  ASSERT_TRUE(q1) << q1.error().message();
  EXPECT_TRUE(q1->added);
  EXPECT_EQ(q1->signatures.size(), 1u);
  auto repeat = state_->add_signature(key_of(e), e, signed_by(1, e, 3));
  ASSERT_TRUE(repeat);
  EXPECT_FALSE(repeat->added);
  EXPECT_EQ(repeat->id, q1->id);
  EXPECT_EQ(repeat->signatures.size(), 1u);
  auto q2 = state_->add_signature(key_of(e), e, signed_by(2, e, 4));
  ASSERT_TRUE(q2);
  EXPECT_EQ(q2->signatures.size(), 2u);
  EXPECT_EQ(q2->signed_weight(), 7);

  reopen();
  auto back = state_->queue(q1->id);
  ASSERT_TRUE(back);
  ASSERT_TRUE(*back);
  EXPECT_EQ((*back)->envelope, e);
  EXPECT_EQ((*back)->status, QueueStatus::kPending);
  ASSERT_EQ((*back)->signatures.size(), 2u);
  EXPECT_EQ((*back)->signatures[0].signer, key(1).address());
  EXPECT_EQ((*back)->signatures[0].signature, e.sign(key(1)));
  EXPECT_EQ((*back)->signatures[1].weight, 4);
}

TEST_F(AggregatorStateTest, DifferentEnvelopesOfOneEventNeverShareAQueue) {
  const auto good = envelope(7, "42");
  const auto bad = envelope(7, "666");  // same event id, another payload
  auto a = state_->add_signature(key_of(good), good, signed_by(1, good));
  auto b = state_->add_signature(key_of(bad), bad, signed_by(2, bad));
  auto c = state_->add_signature(key_of(good), good, signed_by(3, good));
  ASSERT_TRUE(a && b && c);
  EXPECT_NE(a->id, b->id);
  EXPECT_EQ(a->id, c->id);
  EXPECT_EQ(c->signatures.size(), 2u);
  EXPECT_EQ(b->signatures.size(), 1u);

  // Once one digest is submitted, the event is done for every digest.
  ASSERT_TRUE(state_->set_status(a->id, QueueStatus::kSubmitted, Hash256{}));
  auto done = state_->submitted_for_event(key_of(bad).service_id, "default", bad.event_id);
  ASSERT_TRUE(done);
  ASSERT_TRUE(*done);
  EXPECT_EQ((*done)->id, a->id);
  auto other = state_->submitted_for_event(key_of(bad).service_id, "other", bad.event_id);
  ASSERT_TRUE(other);
  EXPECT_FALSE(*other);
}

TEST_F(AggregatorStateTest, SubmittedIsFinalAndPurgedAfterItsTtl) {
  const auto e = envelope(9, "x");
  auto q = state_->add_signature(key_of(e), e, signed_by(1, e));
  ASSERT_TRUE(q);
  ASSERT_TRUE(state_->set_status(q->id, QueueStatus::kSubmitting, std::nullopt, "rpc down"));
  auto ids = state_->queues_with_status(QueueStatus::kSubmitting, 10);
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, std::vector<std::int64_t>{q->id});
  auto v = state_->queue(q->id);
  ASSERT_TRUE(v && *v);
  EXPECT_EQ((*v)->last_error, "rpc down");

  Hash256 tx;
  tx.data[0] = 0xab;
  ASSERT_TRUE(state_->set_status(q->id, QueueStatus::kSubmitted, tx));
  ASSERT_TRUE(state_->set_status(q->id, QueueStatus::kPending));  // ignored: submitted is final
  v = state_->queue(q->id);
  ASSERT_TRUE(v && *v);
  EXPECT_EQ((*v)->status, QueueStatus::kSubmitted);
  ASSERT_TRUE((*v)->tx_hash);
  EXPECT_EQ(*(*v)->tx_hash, tx);
  EXPECT_EQ((*v)->last_error, "");  // landed: the earlier failure is history (and the no-op kept it so)

  auto st = state_->stats();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->submitted, 1);
  EXPECT_EQ(st->pending, 0);

  auto none = state_->purge((*v)->updated_ms - 1, 0);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
  auto one = state_->purge((*v)->updated_ms + 1, 0);
  ASSERT_TRUE(one);
  EXPECT_EQ(*one, 1);
  v = state_->queue(q->id);
  ASSERT_TRUE(v);
  EXPECT_FALSE(*v);
}

TEST_F(AggregatorStateTest, DroppedSignaturesLeaveTheQueue) {
  const auto e = envelope(3, "y");
  ASSERT_TRUE(state_->add_signature(key_of(e), e, signed_by(1, e)));
  auto q = state_->add_signature(key_of(e), e, signed_by(2, e));
  ASSERT_TRUE(q);
  ASSERT_TRUE(state_->drop_signatures(q->id, {key(1).address()}));
  auto v = state_->queue(q->id);
  ASSERT_TRUE(v && *v);
  ASSERT_EQ((*v)->signatures.size(), 1u);
  EXPECT_EQ((*v)->signatures[0].signer, key(2).address());
}

TEST_F(AggregatorStateTest, ConcurrentSignersAllLand) {
  const auto e = envelope(5, "z");
  std::vector<std::thread> threads;
  for (std::uint8_t n = 1; n <= 8; ++n) {
    threads.emplace_back([&, n] { EXPECT_TRUE(state_->add_signature(key_of(e), e, signed_by(n, e))); });
  }
  for (auto& t : threads) t.join();
  auto ids = state_->queues_with_status(QueueStatus::kPending, 10);
  ASSERT_TRUE(ids);
  ASSERT_EQ(ids->size(), 1u);
  auto v = state_->queue(ids->front());
  ASSERT_TRUE(v && *v);
  EXPECT_EQ((*v)->signatures.size(), 8u);
}

TEST(AggregatorCredential, KeyOrPhraseAndNeverEchoed) {
  auto k = key_from_credential(Secret("0x" + std::string(63, '0') + "1"));
  ASSERT_TRUE(k);
  EXPECT_EQ(k->address(), key(1).address());
  const std::string phrase = "test test test test test test test test test test test junk";
  auto m = key_from_credential(Secret(phrase));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->address().to_checksum(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");  // anvil's account 0
  auto bad = key_from_credential(Secret("not a phrase at all secretword"));
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(AggregatorErrc::kNoCredential));
  EXPECT_EQ(bad.error().message().find("secretword"), std::string::npos);
  auto empty = key_from_credential(Secret(""));
  ASSERT_FALSE(empty);
  EXPECT_TRUE(empty.error().is(AggregatorErrc::kNoCredential));
}

}  // namespace
}  // namespace wavs::aggregator
