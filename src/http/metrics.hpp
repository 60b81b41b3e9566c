#pragma once
// Prometheus text metrics: requests by zone, route and status; a latency histogram. Counters
// are per process by nature (each node is scraped on its own).
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace yiwang::http {

class Metrics {
 public:
  void Observe(const std::string& zone, const std::string& route, int status, double seconds);
  std::string Render() const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5};
  struct Hist {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Hist> latency_;  // by zone
};

}  // namespace yiwang::http
