// C++ standard library in the sandbox: strings, containers, algorithms, iostreams.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::sort(args.begin(), args.end());
  std::cout << "hello from C++\n";
  for (const auto& a : args) std::cout << "sorted arg: " << a << '\n';
  std::map<std::string, int> words;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string w;
    while (in >> w) ++words[w];
  }
  for (const auto& [w, n] : words) std::cout << w << ' ' << n << '\n';
  const char* color = std::getenv("WAVS_ENV_COLOR");
  std::cout << "color=" << (color ? color : "(unset)") << std::endl;
  return words.empty() ? 4 : 0;
}
