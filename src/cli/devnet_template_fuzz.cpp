// `wavs devnet --service FILE` templates, fed any bytes: fill_service_template never
// crashes, and what it accepts is a manifest the node's parser accepts too. File sources
// resolve under an empty directory (an absolute path may name a real file, which is read
// within the 64 MiB cap like any other).
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cli/devnet_template.hpp"
#include "service/manifest.hpp"

namespace {

const std::filesystem::path& empty_dir() {
  static const std::filesystem::path dir = [] {
    char tmpl[] = "/tmp/wavs-template-fuzz-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    return std::filesystem::path(tmpl);
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wavs;
  cli::ServiceTemplate tpl{"fuzz", std::string(reinterpret_cast<const char*>(data), size), empty_dir()};
  cli::TemplateValues values;
  values.chain_id = 31337;
  values.service_manager = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
  values.trigger = "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0";
  values.submit = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512";
  values.examples = empty_dir();
  values.aggregator_urls = {"http://127.0.0.1:8001"};
  auto filled = cli::fill_service_template(tpl, values);
  if (!filled) return 0;
  if (!service::parse_manifest(filled->manifest)) std::abort();
  return 0;
}
