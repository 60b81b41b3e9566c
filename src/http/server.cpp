#include "http/server.hpp"

#include <restinio/all.hpp>

#include <atomic>
#include <csignal>
#include <memory>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace yiwang::http {
namespace {

using traits_t = restinio::default_traits_t;
using server_t = restinio::http_server_t<traits_t>;

Request ToRequest(const restinio::request_handle_t& rh) {
  Request req;
  const auto& h = rh->header();
  req.method = std::string(h.method().c_str());
  // Raw path: routing splits on '/', then each parameter is decoded once (a %2F inside a
  // parameter must not create a new segment).
  req.path = std::string(h.path());
  req.raw_query = std::string(h.query());
  req.query = ParseForm(req.raw_query);
  h.for_each_field([&](const restinio::http_header_field_t& f) {
    std::string name = f.name();
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    auto it = req.headers.find(name);
    if (it == req.headers.end()) {
      req.headers.emplace(std::move(name), f.value());
    } else {
      it->second += (name == "cookie" ? "; " : ", ") + f.value();
    }
  });
  req.body = rh->body();
  req.client_ip = rh->remote_endpoint().address().to_string();
  return req;
}

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 423: return "Locked";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Internal Server Error" : "OK";
  }
}

}  // namespace

std::pair<std::string, unsigned short> SplitHostPort(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) throw Error(ErrorCode::kInvalidInput, "监听地址应为 主机:端口 ：" + address);
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) throw Error(ErrorCode::kInvalidInput, "监听端口无效：" + address);
  return {host, static_cast<unsigned short>(port)};
}

void Serve(const ServerOptions& options) {
  restinio::asio_ns::io_context ioctx;
  std::atomic<int> in_flight{0};
  std::atomic<bool> draining{false};
  std::vector<std::unique_ptr<server_t>> servers;

  for (const Listener& l : options.listeners) {
    auto [host, port] = SplitHostPort(l.address);
    auto handler = l.handler;
    auto settings =
        restinio::server_settings_t<traits_t>{}
            .address(host)
            .port(port)
            .buffer_size(16 * 1024)
            .read_next_http_message_timelimit(std::chrono::seconds(60))
            .write_http_response_timelimit(std::chrono::seconds(60))
            .handle_request_timeout(std::chrono::seconds(60))
            .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}.max_body_size(options.max_body_bytes))
            .request_handler([handler, &in_flight, &draining](restinio::request_handle_t rh) {
              ++in_flight;
              Response res;
              try {
                Request req = ToRequest(rh);
                res = handler(req);
              } catch (const std::exception& e) {
                spdlog::error("unhandled: {}", e.what());
                res = Response::Text("500 Internal Server Error", 500);
              }
              auto out = rh->create_response(
                  restinio::http_status_line_t{restinio::http_status_code_t{static_cast<std::uint16_t>(res.status)},
                                               Reason(res.status)});
              out.append_header(restinio::http_field::content_type, res.content_type);
              for (auto& [k, v] : res.headers) out.append_header(k, v);
              if (draining) out.connection_close();
              if (rh->header().method() != restinio::http_method_head()) out.set_body(std::move(res.body));
              out.done();
              --in_flight;
              return restinio::request_accepted();
            });
    servers.push_back(std::make_unique<server_t>(restinio::external_io_context(ioctx), std::move(settings)));
  }
  for (auto& s : servers) s->open_sync();
  for (const Listener& l : options.listeners) spdlog::info("listening on http://{}", l.address);

  std::thread stopper;
  restinio::asio_ns::signal_set signals(ioctx, SIGINT, SIGTERM);
  signals.async_wait([&](const auto& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: stopping to accept, finishing requests in flight", sig);
    draining = true;
    // Close the listeners on a separate thread: close_sync waits for the io_context, which
    // this handler is running on.
    stopper = std::thread([&] {
      for (auto& s : servers) s->close_async([] {}, [](std::exception_ptr) {});
      for (int i = 0; i < 100 && in_flight > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      ioctx.stop();
    });
  });

  if (options.on_ready) options.on_ready();
  std::vector<std::thread> pool;
  for (int i = 1; i < options.threads; ++i) pool.emplace_back([&] { ioctx.run(); });
  ioctx.run();
  for (auto& t : pool) t.join();
  if (stopper.joinable()) stopper.join();
  spdlog::info("server stopped");
}

}  // namespace yiwang::http
