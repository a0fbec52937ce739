#include <iostream>
#include <string>
#include <vector>

#include "cli/app.hpp"

int main(int argc, char** argv) {
  return wavs::cli::run(std::vector<std::string>(argv, argv + argc), std::cout, std::cerr);
}
