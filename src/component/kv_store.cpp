// Placeholder until the SQLite store lands.
#include "component/kv_store.hpp"

namespace wavs::component {
struct KvStore::Impl {};
KvStore::KvStore(std::unique_ptr<Impl> impl, KvLimits limits) : impl_(std::move(impl)), limits_(limits) {}
KvStore::~KvStore() = default;
Result<std::unique_ptr<KvStore>> KvStore::open(const std::filesystem::path&, KvLimits) {
  return Error(ComponentErrc::kInternal, "todo");
}
Result<std::optional<Bytes>> KvStore::get(ByteView, std::string_view, ByteView) { return Error(ComponentErrc::kInternal); }
Status KvStore::set(ByteView, std::string_view, ByteView, ByteView) { return Error(ComponentErrc::kInternal); }
Result<bool> KvStore::remove(ByteView, std::string_view, ByteView) { return Error(ComponentErrc::kInternal); }
Result<std::int64_t> KvStore::increment(ByteView, std::string_view, ByteView, std::int64_t) {
  return Error(ComponentErrc::kInternal);
}
Result<std::vector<Bytes>> KvStore::list(ByteView, std::string_view, ByteView, std::int32_t) {
  return Error(ComponentErrc::kInternal);
}
Result<std::uint64_t> KvStore::usage(ByteView) { return Error(ComponentErrc::kInternal); }
bool valid_bucket(std::string_view) { return false; }
std::optional<std::int64_t> parse_counter(ByteView) { return std::nullopt; }
}  // namespace wavs::component
