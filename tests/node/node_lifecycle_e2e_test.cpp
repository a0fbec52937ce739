// A service's life on a running `wavs node` process, end to end (the fixture of
// node_fixture.hpp: real anvil, real contracts, the example components, a packet
// receiver): a manifest swapped in by the owner's setServiceURI, a broken one refused
// while the old one keeps running, block-interval and cron triggers across a restart,
// and events sent while the node was stopped.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "node_fixture.hpp"

namespace wavs::node::e2e {
namespace {

constexpr std::uint64_t kNsPerSecond = 1'000'000'000ull;

// The hash a /dev/services URI names (its last path segment).
std::string hash_of_uri(const std::string& uri) { return uri.substr(uri.rfind('/') + 1); }

// Packets by event id, each with the distinct bodies signed for it (a redelivery of the
// same packet is allowed: delivery is at least once).
std::map<std::string, std::set<std::string>> bodies_by_event(const std::vector<std::string>& bodies) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& body : bodies) {
    if (auto p = parse_packet(body)) out[p->envelope.event_id.hex()].insert(body);
  }
  return out;
}

class NodeLifecycle : public NodeE2E {
 protected:
  // The one packet of the event whose receipt is `receipt`; waits for it.
  std::optional<Packet> packet_of(const chain::Receipt& receipt) {
    std::optional<Packet> found;
    testing::eventually(
        [&] {
          for (auto& p : packets()) {
            if (p.origin.tx_hash && *p.origin.tx_hash == receipt.tx_hash) {
              found = std::move(p);
              return true;
            }
          }
          return false;
        },
        60'000ms);
    return found;
  }
};

// setServiceURI → ServiceURIUpdated → the node swaps the manifest in place: the same
// service (id, key index, signing address), a new manifest hash, and the next event runs
// the new component. The swap survives a restart.
TEST_F(NodeLifecycle, SetServiceUriSwapsTheComponentInPlace) {
  auto reg = register_service();
  ASSERT_EQ(reg.status, 200) << reg.body;
  const json before = json::parse(reg.body);

  auto first = trigger_->add_trigger(*owner_, u256_word(6));
  ASSERT_TRUE(first) << first.error().message();
  auto squared = packet_of(first->outcome.receipt);
  ASSERT_TRUE(squared) << "no packet for the first event";
  EXPECT_EQ(to_hex(squared->envelope.payload), to_hex(u256_word(36)));

  const std::string uri =
      publish({{"default", workflow_json(event_trigger(), upload("echo-c"))}}, "active", *manager_);
  ASSERT_FALSE(uri.empty());
  const std::string new_hash = hash_of_uri(uri);
  ASSERT_NE(new_hash, before.at("manifest_hash").get<std::string>());
  json after;
  ASSERT_TRUE(testing::eventually(
      [&] {
        after = service_json();
        return after.is_object() && after.value("manifest_hash", "") == new_hash;
      },
      60'000ms))
      << "the node never swapped in manifest " << new_hash << "; last view: " << after.dump();
  EXPECT_EQ(after.at("id"), before.at("id"));
  EXPECT_EQ(after.at("hd_index"), before.at("hd_index"));
  EXPECT_EQ(after.at("signing_address"), before.at("signing_address"));
  EXPECT_TRUE(after.at("last_load_error").is_null()) << after.dump();
  EXPECT_NE(after.at("component_digests"), before.at("component_digests"));

  // echo answers with the event's log data, square with x².
  auto second = trigger_->add_trigger(*owner_, u256_word(7));
  ASSERT_TRUE(second) << second.error().message();
  auto echoed = packet_of(second->outcome.receipt);
  ASSERT_TRUE(echoed) << "no packet for the event after the swap";
  ASSERT_FALSE(second->outcome.receipt.logs.empty());
  EXPECT_EQ(to_hex(echoed->envelope.payload), to_hex(second->outcome.receipt.logs[0].data));
  EXPECT_NE(to_hex(echoed->envelope.payload), to_hex(u256_word(49)));
  EXPECT_TRUE(echoed->verify()) << echoed->verify().error().message();
  EXPECT_EQ(echoed->signer.to_checksum(), before.at("signing_address").get<std::string>());

  // A restart reads the same URI again: the swapped manifest stays.
  terminate_and_restart();
  if (HasFatalFailure()) return;
  EXPECT_EQ(service_json().value("manifest_hash", ""), new_hash);
  auto third = trigger_->add_trigger(*owner_, u256_word(8));
  ASSERT_TRUE(third) << third.error().message();
  auto again = packet_of(third->outcome.receipt);
  ASSERT_TRUE(again) << "no packet for the event after the restart";
  ASSERT_FALSE(third->outcome.receipt.logs.empty());
  EXPECT_EQ(to_hex(again->envelope.payload), to_hex(third->outcome.receipt.logs[0].data));
  // Exactly one packet per event.
  EXPECT_EQ(bodies_by_event(receiver_.bodies()).size(), 3u);
}

// A new manifest whose component the node cannot get does not replace the running one:
// the service keeps its manifest hash and shows the failure as last_load_error; events
// still run the old component. Pointing the URI back at the running manifest clears it.
TEST_F(NodeLifecycle, BrokenNewManifestKeepsTheOldOneRunning) {
  const json workflows = {{"default", workflow_json(event_trigger(), upload("square-c"))}};
  auto reg = register_manifest(workflows);
  ASSERT_EQ(reg.status, 200) << reg.body;
  const json before = json::parse(reg.body);
  const std::string old_hash = before.at("manifest_hash");
  ASSERT_TRUE(before.at("last_load_error").is_null());

  const std::string missing(64, 'a');  // a digest the node's store does not hold
  const std::string uri =
      publish({{"default", workflow_json(event_trigger(), missing)}}, "active", *manager_);
  ASSERT_FALSE(uri.empty());
  ASSERT_NE(hash_of_uri(uri), old_hash);
  json view;
  ASSERT_TRUE(testing::eventually(
      [&] {
        view = service_json();
        return view.is_object() && !view.at("last_load_error").is_null();
      },
      60'000ms))
      << "the failed swap was never recorded; last view: " << view.dump();
  EXPECT_EQ(view.at("manifest_hash"), old_hash);
  EXPECT_EQ(view.at("component_digests"), before.at("component_digests"));
  EXPECT_EQ(view.at("status"), "active");
  const std::string why = view.at("last_load_error");
  EXPECT_NE(why.find("workflows.default.component.source"), std::string::npos) << why;

  auto added = trigger_->add_trigger(*owner_, u256_word(9));
  ASSERT_TRUE(added) << added.error().message();
  auto packet = packet_of(added->outcome.receipt);
  ASSERT_TRUE(packet) << "the old component stopped answering";
  EXPECT_EQ(to_hex(packet->envelope.payload), to_hex(u256_word(81)));

  // The same manifest as before (same JSON, same hash) is loadable: the error goes.
  const std::string back = publish(workflows, "active", *manager_);
  ASSERT_EQ(hash_of_uri(back), old_hash);
  ASSERT_TRUE(testing::eventually(
      [&] {
        view = service_json();
        return view.is_object() && view.at("last_load_error").is_null();
      },
      60'000ms))
      << "last_load_error stayed after the URI named a good manifest: " << view.dump();
  EXPECT_EQ(view.at("manifest_hash"), old_hash);
}

// Block intervals fire at exactly start_block + k·n_blocks, each height once, and a
// SIGTERM and restart (with blocks mined while the node was down) neither skips nor
// repeats a height.
TEST_F(NodeLifecycle, BlockIntervalFiresEveryDueHeightOnceAcrossARestart) {
  if (!fs::exists(example("kv-counter-c"))) GTEST_SKIP() << "kv-counter-c.wasm was not built";
  constexpr std::uint64_t kEvery = 3;
  const std::uint64_t start = head() + 5;  // above every block registration mines
  const json trigger = {
      {"block_interval", {{"chain", "evm:31337"}, {"n_blocks", kEvery}, {"start_block", start}}}};
  auto reg = register_manifest({{"default", workflow_json(trigger, upload("kv-counter-c"))}});
  ASSERT_EQ(reg.status, 200) << reg.body;
  ASSERT_LT(head(), start);

  auto expected_up_to = [&](std::uint64_t top) {
    std::set<std::uint64_t> out;
    for (std::uint64_t h = start; h <= top; h += kEvery) out.insert(h);
    return out;
  };
  // Block heights of the block-interval packets, with how many distinct bodies each got.
  auto heights = [&] {
    std::map<std::uint64_t, std::set<std::string>> out;
    for (const auto& body : receiver_.bodies()) {
      auto p = parse_packet(body);
      if (p && p->origin.kind == "block_interval" && p->origin.block_number) {
        out[*p->origin.block_number].insert(body);
      }
    }
    return out;
  };
  auto covers = [&](const std::set<std::uint64_t>& want) {
    const auto got = heights();
    return std::all_of(want.begin(), want.end(), [&](std::uint64_t h) { return got.count(h) != 0; });
  };

  // Up to start + 7: start, start + 3, start + 6.
  mine(start + 7 - head());
  const std::uint64_t first_top = head();
  const auto first_want = expected_up_to(first_top);
  ASSERT_EQ(first_want.size(), 3u);
  ASSERT_TRUE(testing::eventually([&] { return covers(first_want); }, 60'000ms))
      << heights().size() << " of " << first_want.size() << " heights fired";

  // Stopped with nothing in flight (every due packet arrived), 4 blocks mined while down,
  // then 6 more after the restart.
  terminate_and_restart();
  if (HasFatalFailure()) return;
  mine(4);
  const std::uint64_t top = head() + 6;
  mine(6);
  ASSERT_EQ(head(), top);
  const auto want = expected_up_to(top);
  ASSERT_TRUE(testing::eventually([&] { return covers(want); }, 60'000ms))
      << heights().size() << " of " << want.size() << " heights fired";
  // Every run is recorded before its packet is sent; wait until the results view has
  // caught up with the packets, then compare.
  const std::string results_url =
      node_->url() + "/services/evm:31337/" + manager_->address().hex() + "/results";
  json results;
  ASSERT_TRUE(testing::eventually(
      [&] {
        auto r = http("GET", results_url);
        if (!r || r->status != 200) return false;
        results = json::parse(r->body).at("results");
        return results.size() >= want.size();
      },
      60'000ms));

  const auto got = heights();
  std::set<std::uint64_t> got_heights;
  for (const auto& [h, bodies] : got) {
    got_heights.insert(h);
    EXPECT_EQ(bodies.size(), 1u) << "height " << h << " was signed " << bodies.size() << " times";
  }
  EXPECT_EQ(got_heights, want);
  EXPECT_EQ(results.size(), want.size()) << results.dump();
  EXPECT_EQ(bodies_by_event(receiver_.bodies()).size(), want.size());
  // kv-counter answers with its run count: each firing ran once, none twice.
  std::set<std::string> counts;
  for (const auto& p : packets()) counts.insert(to_hex(p.envelope.payload));
  std::set<std::string> one_to_n;
  for (std::uint64_t i = 1; i <= want.size(); ++i) one_to_n.insert(to_hex(u256_word(i)));
  EXPECT_EQ(counts, one_to_n);
}

// A per-second cron schedule: ticks are whole seconds after the registration, each fires
// once (distinct times, distinct event ids), also across a restart.
TEST_F(NodeLifecycle, CronTicksAreDistinctWholeSecondsAcrossARestart) {
  if (!fs::exists(example("kv-counter-c"))) GTEST_SKIP() << "kv-counter-c.wasm was not built";
  const auto registered_s = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  auto reg = register_manifest(
      {{"default", workflow_json({{"cron", {{"schedule", "* * * * * *"}}}}, upload("kv-counter-c"))}});
  ASSERT_EQ(reg.status, 200) << reg.body;
  ASSERT_TRUE(receiver_.wait_for(2, 60'000ms)) << "fewer than 2 cron packets";

  terminate_and_restart();
  if (HasFatalFailure()) return;
  const std::size_t before_restart = receiver_.bodies().size();
  ASSERT_TRUE(receiver_.wait_for(before_restart + 2, 60'000ms)) << "the cron ticks did not resume";

  // Distinct bodies: a packet delivered again (at least once) is the same packet.
  const auto bodies = receiver_.bodies();
  const std::set<std::string> distinct(bodies.begin(), bodies.end());
  std::vector<std::uint64_t> times;
  std::set<std::string> events;
  for (const auto& body : distinct) {
    auto p = parse_packet(body);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->origin.kind, "cron");
    ASSERT_TRUE(p->origin.trigger_time);
    EXPECT_EQ(*p->origin.trigger_time % kNsPerSecond, 0u) << *p->origin.trigger_time;
    EXPECT_GT(*p->origin.trigger_time / kNsPerSecond, registered_s) << "a tick from before the registration";
    times.push_back(*p->origin.trigger_time);
    events.insert(p->envelope.event_id.hex());
  }
  // Runs may finish out of order (two workers), so order by time: strictly increasing
  // means no tick fired twice.
  std::sort(times.begin(), times.end());
  EXPECT_TRUE(std::adjacent_find(times.begin(), times.end()) == times.end()) << "a tick fired twice";
  EXPECT_EQ(events.size(), distinct.size()) << "two different packets share an event id";
}

// Events sent while the node is stopped (SIGTERM) are picked up from the persisted
// cursor at restart: one packet each, nothing twice.
TEST_F(NodeLifecycle, EventsWhileStoppedArriveAfterRestartOnceEach) {
  auto reg = register_service();
  ASSERT_EQ(reg.status, 200) << reg.body;
  auto first = trigger_->add_trigger(*owner_, u256_word(1));
  ASSERT_TRUE(first) << first.error().message();
  ASSERT_TRUE(receiver_.wait_for(1, 60'000ms)) << "no packet before the stop";

  ASSERT_EQ(node_->terminate(), 0) << node_->log();
  for (std::uint64_t x = 2; x <= 4; ++x) {
    auto added = trigger_->add_trigger(*owner_, u256_word(x));
    ASSERT_TRUE(added) << added.error().message();
  }
  EXPECT_EQ(receiver_.bodies().size(), 1u) << "a stopped node sent packets";
  restart();
  if (HasFatalFailure()) return;

  ASSERT_TRUE(testing::eventually([&] { return bodies_by_event(receiver_.bodies()).size() >= 4; }, 60'000ms))
      << bodies_by_event(receiver_.bodies()).size() << " of 4 events answered";
  // One more event after the catch-up, so a second packet for an earlier event (which
  // would be sent around the catch-up) has had time to show up.
  auto last = trigger_->add_trigger(*owner_, u256_word(5));
  ASSERT_TRUE(last) << last.error().message();
  ASSERT_TRUE(packet_of(last->outcome.receipt)) << "no packet for the event after the restart";

  const auto by_event = bodies_by_event(receiver_.bodies());
  EXPECT_EQ(by_event.size(), 5u);
  std::set<std::string> payloads;
  for (const auto& [event, bodies] : by_event) {
    EXPECT_EQ(bodies.size(), 1u) << "event " << event << " was signed " << bodies.size() << " times";
    auto p = parse_packet(*bodies.begin());
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->verify());
    payloads.insert(to_hex(p->envelope.payload));
  }
  std::set<std::string> squares;
  for (std::uint64_t x = 1; x <= 5; ++x) squares.insert(to_hex(u256_word(x * x)));
  EXPECT_EQ(payloads, squares);
}

}  // namespace
}  // namespace wavs::node::e2e
