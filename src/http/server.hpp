#pragma once
// The HTTP listeners (RESTinio on Boost.Asio). The only translation unit that includes
// RESTinio; everything else sees http::Request / http::Response.
#include <functional>
#include <string>

#include "http/message.hpp"

namespace yiwang::http {

struct Listener {
  std::string address;  // "127.0.0.1:8080"
  std::function<Response(Request&)> handler;
};

struct ServerOptions {
  std::vector<Listener> listeners;
  int threads = 4;
  std::size_t max_body_bytes = 32 * 1024 * 1024;
  /// Called once the sockets are open (e.g. to print "ready" for scripts).
  std::function<void()> on_ready;
};

/// Serves until SIGTERM or SIGINT, then stops accepting, lets requests in flight finish
/// (up to 10 s) and returns.
void Serve(const ServerOptions& options);

/// Splits "host:port" ("[::1]:8080" for IPv6); throws yiwang::Error on a bad address.
std::pair<std::string, unsigned short> SplitHostPort(const std::string& address);

}  // namespace yiwang::http
