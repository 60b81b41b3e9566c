#include "http/metrics.hpp"

#include <sstream>

namespace yiwang::http {

void Metrics::Observe(const std::string& zone, const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{zone, route, status}];
  Hist& h = latency_[zone];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream out;
  out << "# HELP yiwang_http_requests_total HTTP requests by zone, route pattern and status.\n"
      << "# TYPE yiwang_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [zone, route, status] = key;
    out << "yiwang_http_requests_total{zone=\"" << zone << "\",route=\"" << route << "\",status=\"" << status << "\"} "
        << n << "\n";
  }
  out << "# HELP yiwang_http_request_duration_seconds Time to handle a request.\n"
      << "# TYPE yiwang_http_request_duration_seconds histogram\n";
  for (const auto& [zone, h] : latency_) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out << "yiwang_http_request_duration_seconds_bucket{zone=\"" << zone << "\",le=\"" << kBuckets[i] << "\"} "
          << h.buckets[i] << "\n";
    }
    out << "yiwang_http_request_duration_seconds_bucket{zone=\"" << zone << "\",le=\"+Inf\"} " << h.count << "\n";
    out << "yiwang_http_request_duration_seconds_sum{zone=\"" << zone << "\"} " << h.sum << "\n";
    out << "yiwang_http_request_duration_seconds_count{zone=\"" << zone << "\"} " << h.count << "\n";
  }
  return out.str();
}

}  // namespace yiwang::http
