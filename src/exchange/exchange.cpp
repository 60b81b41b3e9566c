#include "exchange/exchange.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/sm2.hpp"
#include "core/text.hpp"
#include "db/row.hpp"

namespace yiwang::exchange {
namespace fs = std::filesystem;

namespace {

std::string Other(const std::string& zone) { return zone == "internal" ? "external" : "internal"; }

std::string SeqName(std::int64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%012lld", static_cast<long long>(seq));
  return buf;
}

void WriteFileAtomic(const fs::path& path, const std::string& data, bool owner_only = false) {
  fs::create_directories(path.parent_path());
  fs::path tmp = path.parent_path() / (".tmp-" + path.filename().string() + "-" + core::RandomToken(6));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (owner_only) fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) throw Error(ErrorCode::kInternal, "无法写入文件：" + tmp.string());
  }
  fs::rename(tmp, path);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// What an acknowledgement's signature covers.
std::string AckText(const std::string& from, const std::string& to, std::int64_t seq) {
  return "ack\n" + from + "\n" + to + "\n" + std::to_string(seq);
}

bool SignatureValid(const std::string& public_pem, const std::string& text, const std::string& sig_hex) {
  if (sig_hex.empty()) return false;
  try {
    return core::Sm2Verify(public_pem, text, core::HexDecode(sig_hex));
  } catch (const Error&) {
    return false;  // not hex, or not a signature at all
  }
}

audit::Actor SystemActor(const std::string& zone) {
  audit::Actor a;
  a.kind = "system";
  a.name = "数据交换";
  a.zone = zone;
  return a;
}

}  // namespace

std::string ZoneKey(core::Zone z) { return z == core::Zone::kInternal ? "internal" : "external"; }

std::string OwnKeyPath(const std::string& data_dir) { return data_dir + "/" + kOwnKeyFile; }
std::string OwnPublicKeyPath(const std::string& data_dir) { return data_dir + "/" + kOwnPublicKeyFile; }
std::string PeerKeyPath(const std::string& data_dir) { return data_dir + "/" + kPeerKeyFile; }

std::string KeyFingerprint(const std::string& public_pem) {
  const std::string h = core::Sm3Hex(core::Trim(public_pem));
  std::string out;
  for (std::size_t i = 0; i < h.size(); i += 4) out += (i ? " " : "") + h.substr(i, 4);
  return out;
}

Keys LoadKeys(const std::string& data_dir, const std::string& seal_key) {
  Keys k;
  if (!fs::exists(OwnKeyPath(data_dir))) {
    const core::Sm2KeyPair pair = core::GenerateSm2Key();
    WriteFileAtomic(OwnPublicKeyPath(data_dir), pair.public_pem);
    WriteFileAtomic(OwnKeyPath(data_dir), core::Sm4Seal(seal_key, pair.private_pem), true);
    spdlog::info("exchange: created this node's SM2 key pair ({}), fingerprint {}", OwnKeyPath(data_dir),
                 KeyFingerprint(pair.public_pem));
  }
  try {
    k.private_pem = core::Sm4Open(seal_key, core::Trim(ReadFile(OwnKeyPath(data_dir))));
  } catch (const Error&) {
    throw Error(ErrorCode::kInvalidInput, "无法解开本节点的交换签名私钥 " + OwnKeyPath(data_dir) +
                                              "：文件已损坏，或配置的密钥 secret 已变更");
  }
  k.public_pem = ReadFile(OwnPublicKeyPath(data_dir));
  if (fs::exists(PeerKeyPath(data_dir))) k.peer_public_pem = ReadFile(PeerKeyPath(data_dir));
  return k;
}

Keys LoadKeys(const core::Config& config) {
  return LoadKeys(config.data_dir, core::DeriveKey(config.secret, "exchange-key"));
}

std::string TrustPeerKey(const core::Config& config, const std::string& pem) {
  return TrustPeerKey(config.data_dir, pem, core::DeriveKey(config.secret, "exchange-key"));
}

std::string TrustPeerKey(const std::string& data_dir, const std::string& pem, const std::string& seal_key) {
  const std::string key = core::Trim(pem) + "\n";
  if (key.find("-----BEGIN PUBLIC KEY-----") == std::string::npos) {
    throw Error(ErrorCode::kInvalidInput, "不是公钥文件（应以 -----BEGIN PUBLIC KEY----- 开头；请用对端 `yiwang exchange key` 输出的文件）");
  }
  core::Sm2Verify(key, "probe", "probe");  // throws for a key that is not a readable SM2 public key
  const Keys own = LoadKeys(data_dir, seal_key);
  if (core::Trim(own.public_pem) == core::Trim(key)) {
    throw Error(ErrorCode::kInvalidInput, "这是本节点自己的公钥：请导入对端（另一个区）节点的公钥");
  }
  WriteFileAtomic(PeerKeyPath(data_dir), key);
  return KeyFingerprint(key);
}

std::string CanonicalForm(const Packet& p) {
  // nlohmann::json objects are ordered by key, so dump() is canonical for our payloads.
  return "v1\n" + p.from + "\n" + p.to + "\n" + std::to_string(p.seq) + "\n" + p.kind + "\n" +
         std::to_string(p.created_at) + "\n" + p.payload.dump();
}

std::string Serialize(const Packet& p) {
  nlohmann::json j = {{"v", 1},          {"from", p.from},       {"to", p.to},          {"seq", p.seq},
                      {"kind", p.kind},  {"created_at", p.created_at}, {"payload", p.payload}, {"sm3", p.sm3}};
  if (!p.sig.empty()) j["sig"] = p.sig;
  return j.dump();
}

Packet ParseAndVerify(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Error(ErrorCode::kInvalidInput, "交换包不是完整的 JSON（可能被截断）");
  Packet p;
  try {
    if (j.at("v").get<int>() != 1) throw Error(ErrorCode::kInvalidInput, "不支持的交换包版本");
    p.from = j.at("from").get<std::string>();
    p.to = j.at("to").get<std::string>();
    p.seq = j.at("seq").get<std::int64_t>();
    p.kind = j.at("kind").get<std::string>();
    p.created_at = j.at("created_at").get<std::int64_t>();
    p.payload = j.at("payload");
    p.sm3 = j.at("sm3").get<std::string>();
    if (j.contains("sig")) p.sig = j.at("sig").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kInvalidInput, std::string("交换包缺少字段或字段类型错误：") + e.what());
  }
  if ((p.from != "internal" && p.from != "external") || p.to != Other(p.from) || p.seq <= 0) {
    throw Error(ErrorCode::kInvalidInput, "交换包的来源、去向或序号无效");
  }
  if (!core::ConstantTimeEqual(core::Sm3Hex(CanonicalForm(p)), p.sm3)) {
    throw Error(ErrorCode::kInvalidInput, "交换包 SM3 校验失败（内容被改动或损坏）");
  }
  return p;
}

Exchange::Exchange(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit, core::Zone self,
                   std::string spool_dir, Keys keys)
    : db_(db), clock_(clock), audit_(audit), self_(self), spool_dir_(std::move(spool_dir)), keys_(std::move(keys)) {
  if (self_ != core::Zone::kBoth && spool_dir_.empty()) {
    throw Error(ErrorCode::kInvalidInput, "分区部署必须配置交换目录 spool_dir");
  }
}

std::string Exchange::KeysProblem() const {
  if (self_ == core::Zone::kBoth) return "";
  if (keys_.private_pem.empty()) return "本节点没有交换签名密钥（数据目录中的 exchange-sm2.key）";
  if (keys_.peer_public_pem.empty()) {
    return "尚未导入对端节点（" + Other(ZoneKey(self_)) +
           "）的交换签名公钥，交换包无法签名验证：在对端执行 `yiwang exchange key` 得到公钥，经可信途径带到本节点，"
           "核对指纹后执行 `yiwang exchange trust 公钥文件`（见运维手册“分区部署”）";
  }
  return "";
}

Exchange::~Exchange() { Stop(); }

bool Exchange::Serves(const std::string& zone) const {
  return self_ == core::Zone::kBoth || ZoneKey(self_) == zone;
}

void Exchange::On(const std::string& kind, Handler handler) { handlers_[kind] = std::move(handler); }

void Exchange::Send(db::Tx& tx, core::Zone to, const std::string& kind, const nlohmann::json& payload) {
  Packet p;
  p.to = ZoneKey(to);
  p.from = Other(p.to);
  p.kind = kind;
  p.created_at = clock_.NowMs();
  p.payload = payload;
  long long seq = 0;
  // The counter row is updated first: on PostgreSQL that row lock orders concurrent senders.
  tx.sql() << "UPDATE exchange_counters SET next_seq = next_seq + 1 WHERE to_zone = :z", soci::use(p.to);
  tx.sql() << "SELECT next_seq - 1 FROM exchange_counters WHERE to_zone = :z", soci::use(p.to), soci::into(seq);
  p.seq = seq;
  p.sm3 = core::Sm3Hex(CanonicalForm(p));
  std::string body = Serialize(p);
  long long created = p.created_at;
  tx.sql() << "INSERT INTO exchange_outbox (to_zone, seq, kind, body, created_at) VALUES (:z, :s, :k, :b, :c)",
      soci::use(p.to), soci::use(seq), soci::use(kind), soci::use(body), soci::use(created);
  // The pump is told once the packet is committed (it reads the outbox on its own connection).
  tx.AfterCommit([this] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      wake_ = true;
    }
    cv_.notify_one();
  });
}

std::int64_t Exchange::NextExpected(const std::string& from) {
  db::Conn c(db_);
  long long max_seq = 0;
  soci::indicator ind = soci::i_ok;
  c.sql() << "SELECT MAX(seq) FROM exchange_inbox WHERE from_zone = :f", soci::use(from), soci::into(max_seq, ind);
  return (ind == soci::i_null ? 0 : max_seq) + 1;
}

void Exchange::Reject(const std::string& from, const std::string& raw, const std::string& reason) {
  spdlog::warn("exchange: rejected packet from {}: {}", from, reason);
  // Kept as text whatever arrived (binary garbage from a damaged ferry included): PostgreSQL
  // refuses invalid UTF-8, and a failing record would stall the spool on this file.
  std::string clipped = core::Utf8Sanitize(core::Utf8Prefix(raw, 4096));
  db::WithTx(db_, [&](db::Tx& tx) {
    long long now = clock_.NowMs();
    tx.sql() << "INSERT INTO exchange_errors (from_zone, packet, reason, created_at) VALUES (:f, :p, :r, :c)",
        soci::use(from), soci::use(clipped), soci::use(reason), soci::use(now);
    audit_.Append(tx, SystemActor(Other(from)), {"exchange.reject", "packet", from, "failure", reason});
  });
}

Exchange::ApplyOutcome Exchange::Apply(const Packet& p, const std::function<void(db::Tx&)>& also) {
  if (p.seq != NextExpected(p.from)) {
    return p.seq < NextExpected(p.from) ? ApplyOutcome::kDuplicate : ApplyOutcome::kNotYet;
  }
  auto it = handlers_.find(p.kind);
  std::string failure;
  if (it == handlers_.end()) {
    failure = "未知的交换包类型：" + p.kind;
  } else {
    try {
      bool applied = db::WithTx(db_, [&](db::Tx& tx) {
        int seen = 0;
        long long seq = p.seq;
        tx.sql() << "SELECT COUNT(*) FROM exchange_inbox WHERE from_zone = :f AND seq = :s", soci::use(p.from),
            soci::use(seq), soci::into(seen);
        if (seen > 0) return false;
        it->second(tx, p);
        long long now = clock_.NowMs();
        tx.sql() << "INSERT INTO exchange_inbox (from_zone, seq, kind, hash, applied_at) VALUES (:f, :s, :k, :h, :a)",
            soci::use(p.from), soci::use(seq), soci::use(p.kind), soci::use(p.sm3), soci::use(now);
        audit_.Append(tx, SystemActor(p.to), {"exchange.apply", p.kind, p.from + "#" + std::to_string(p.seq), "success", ""});
        if (also) also(tx);
        return true;
      });
      return applied ? ApplyOutcome::kApplied : ApplyOutcome::kDuplicate;
    } catch (const Error& e) {
      failure = e.message();
    } catch (const soci::soci_error& e) {
      // Another node applied the same packet at the same moment: the inbox key decides.
      if (NextExpected(p.from) > p.seq) return ApplyOutcome::kDuplicate;
      // A lock timeout or deadlock says nothing about the packet: the next round applies it
      // again (rejecting it would lose it).
      if (db::IsBusyError(e)) throw;
      failure = e.what();
    }
  }
  // A packet that verified but cannot be applied is recorded as consumed with its error, so
  // the sequence does not stall behind it; nothing of it was written (its Tx rolled back).
  Reject(p.from, Serialize(p), failure);
  db::WithTx(db_, [&](db::Tx& tx) {
    long long seq = p.seq, now = clock_.NowMs();
    std::string hash = "rejected:" + p.sm3;
    tx.sql() << "INSERT INTO exchange_inbox (from_zone, seq, kind, hash, applied_at) VALUES (:f, :s, :k, :h, :a)",
        soci::use(p.from), soci::use(seq), soci::use(p.kind), soci::use(hash), soci::use(now);
  });
  return ApplyOutcome::kRejected;
}

void Exchange::DeliverInProcess(PumpStats& stats) {
  for (const std::string to : {"internal", "external"}) {
    std::vector<std::string> bodies;
    {
      db::Conn c(db_);
      soci::rowset<soci::row> rows = (c.sql().prepare << "SELECT body FROM exchange_outbox WHERE to_zone = :z AND "
                                                         "acked_at = 0 ORDER BY seq LIMIT 500",
                                      soci::use(to));
      for (const soci::row& r : rows) bodies.push_back(db::RowStr(r, "body"));
    }
    for (const std::string& body : bodies) {
      Packet p = ParseAndVerify(body);
      auto ack = [&](db::Tx& tx) {
        long long now = clock_.NowMs(), seq = p.seq;
        tx.sql() << "UPDATE exchange_outbox SET sent_at = :n, acked_at = :n2 WHERE to_zone = :z AND seq = :s",
            soci::use(now), soci::use(now), soci::use(p.to), soci::use(seq);
      };
      // Applied: acknowledged in the same transaction (one commit, and never applied but unacked).
      ApplyOutcome outcome = Apply(p, ack);
      if (outcome == ApplyOutcome::kNotYet) break;
      if (outcome == ApplyOutcome::kApplied) ++stats.applied;
      if (outcome == ApplyOutcome::kDuplicate) ++stats.duplicates;
      if (outcome == ApplyOutcome::kRejected) ++stats.rejected;
      if (outcome != ApplyOutcome::kApplied) db::WithTx(db_, ack);
      ++stats.acked;
    }
  }
}

void Exchange::DeliverToSpool(PumpStats& stats) {
  if (keys_.private_pem.empty()) throw Error(ErrorCode::kInvalidInput, KeysProblem());
  const std::string to = Other(ZoneKey(self_));
  const long long now = clock_.NowMs();
  const long long resend_before = now - resend_after_ms_;
  std::vector<std::pair<long long, std::string>> due;
  {
    db::Conn c(db_);
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT seq, body FROM exchange_outbox WHERE to_zone = :z AND acked_at = 0 AND "
                            "sent_at <= :r ORDER BY seq LIMIT 1000",
         soci::use(to), soci::use(resend_before));
    for (const soci::row& r : rows) due.emplace_back(db::RowInt(r, "seq"), db::RowStr(r, "body"));
  }
  for (const auto& [seq, body] : due) {
    // Signed on the way out (not when queued: the SM2 signature stays out of the business
    // transaction, and zone "both" never needs it).
    Packet p = ParseAndVerify(body);
    p.sig = core::HexEncode(core::Sm2Sign(keys_.private_pem, CanonicalForm(p)));
    WriteFileAtomic(fs::path(spool_dir_) / ("to-" + to) / (SeqName(seq) + ".pkt"), Serialize(p));
    db::WithTx(db_, [&](db::Tx& tx) {
      long long s = seq, n = now;
      tx.sql() << "UPDATE exchange_outbox SET sent_at = :n WHERE to_zone = :z AND seq = :s", soci::use(n),
          soci::use(to), soci::use(s);
    });
    ++stats.sent;
  }
}

void Exchange::WriteAck(const std::string& to, std::int64_t seq) {
  const std::string self = ZoneKey(self_);
  nlohmann::json ack = {{"ack", seq}, {"from", self}, {"to", to}};
  ack["sig"] = core::HexEncode(core::Sm2Sign(keys_.private_pem, AckText(self, to, seq)));
  WriteFileAtomic(fs::path(spool_dir_) / ("to-" + to) / ("ack-" + SeqName(seq) + ".pkt"), ack.dump());
}

void Exchange::ReceiveAck(const fs::path& path, PumpStats& stats) {
  const std::string self = ZoneKey(self_), from = Other(self);
  const std::string raw = ReadFile(path);
  nlohmann::json j = nlohmann::json::parse(raw, nullptr, false);
  const bool well_formed = !j.is_discarded() && j.is_object() && j.contains("ack") && j["ack"].is_number_integer() &&
                           j.value("from", "") == from && j.value("to", "") == self && j.contains("sig") &&
                           j["sig"].is_string();
  const long long seq = well_formed ? j["ack"].get<long long>() : 0;
  if (!well_formed || !SignatureValid(keys_.peer_public_pem, AckText(from, self, seq), j["sig"].get<std::string>())) {
    // Forged or damaged: the packet stays unacknowledged and is sent again; the other side
    // then acknowledges the duplicate anew.
    Reject(from, raw, path.filename().string() + "：确认包无效或签名不符（不是对端节点签发的），已丢弃");
    fs::remove(path);
    ++stats.rejected;
    return;
  }
  const long long now = clock_.NowMs();
  db::WithTx(db_, [&](db::Tx& tx) {
    long long s = seq;
    tx.sql() << "UPDATE exchange_outbox SET acked_at = :n WHERE to_zone = :z AND seq = :s AND acked_at = 0",
        soci::use(now), soci::use(from), soci::use(s);
  });
  ++stats.acked;
  fs::remove(path);
}

void Exchange::ReceiveFromSpool(PumpStats& stats) {
  // Nothing is read from the spool that cannot be checked: without the other node's key what
  // arrived waits there (`serve` refuses to start so; `demo` and `exchange-pump` only send).
  if (const std::string problem = KeysProblem(); !problem.empty()) {
    spdlog::warn("exchange: not reading the spool: {}", problem);
    return;
  }
  const std::string self = ZoneKey(self_);
  const std::string from = Other(self);
  const fs::path dir = fs::path(spool_dir_) / ("to-" + self);
  if (!fs::exists(dir)) return;
  std::vector<fs::path> packets, acks;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 4 || name.substr(name.size() - 4) != ".pkt" || name[0] == '.') continue;
    (name.rfind("ack-", 0) == 0 ? acks : packets).push_back(entry.path());
  }
  // Acknowledgements of our own packets.
  for (const fs::path& path : acks) ReceiveAck(path, stats);
  // Packets in sequence order; a gap waits for the missing packet (a resend fills it).
  std::sort(packets.begin(), packets.end());
  std::int64_t expected = NextExpected(from);
  for (const fs::path& path : packets) {
    std::int64_t file_seq = 0;
    try {
      file_seq = std::stoll(path.filename().string().substr(0, 12));
    } catch (const std::exception&) {
      Reject(from, path.filename().string(), "交换包文件名无效");
      fs::remove(path);
      ++stats.rejected;
      continue;
    }
    if (file_seq < expected) {
      fs::remove(path);
      WriteAck(from, file_seq);
      ++stats.duplicates;
      continue;
    }
    if (file_seq > expected) break;
    const std::string raw = ReadFile(path);
    Packet p;
    try {
      p = ParseAndVerify(raw);
      if (p.seq != file_seq || p.to != self) throw Error(ErrorCode::kInvalidInput, "交换包序号或去向与文件不符");
      // SM3 finds damage; only the sender's SM2 signature tells that the other node wrote it.
      if (!SignatureValid(keys_.peer_public_pem, CanonicalForm(p), p.sig)) {
        throw Error(ErrorCode::kInvalidInput,
                    p.sig.empty() ? "交换包没有签名" : "交换包签名无效（不是对端节点签发的，或内容被改动）");
      }
    } catch (const Error& e) {
      Reject(from, raw, path.filename().string() + "：" + e.message());
      fs::create_directories(fs::path(spool_dir_) / "rejected");
      fs::rename(path, fs::path(spool_dir_) / "rejected" /
                           (path.filename().string() + "." + std::to_string(clock_.NowMs())));
      ++stats.rejected;
      break;  // wait for the sender's resend of this sequence number
    }
    ApplyOutcome outcome = Apply(p);
    if (outcome == ApplyOutcome::kNotYet) break;
    if (outcome == ApplyOutcome::kApplied) ++stats.applied;
    if (outcome == ApplyOutcome::kDuplicate) ++stats.duplicates;
    if (outcome == ApplyOutcome::kRejected) ++stats.rejected;
    fs::remove(path);
    WriteAck(from, p.seq);
    ++expected;
  }
}

Exchange::PumpStats Exchange::Pump() {
  std::lock_guard<std::mutex> lock(pump_mu_);
  PumpStats stats;
  if (self_ == core::Zone::kBoth) {
    DeliverInProcess(stats);
  } else {
    DeliverToSpool(stats);
    ReceiveFromSpool(stats);
  }
  return stats;
}

void Exchange::Start(int interval_ms) {
  stop_ = false;
  thread_ = std::thread([this, interval_ms] {
    while (!stop_) {
      try {
        Pump();
      } catch (const std::exception& e) {
        spdlog::error("exchange pump: {}", e.what());
      }
      std::unique_lock<std::mutex> lock(mu_);
      // Send() wakes the pump after the sender's transaction has committed.
      cv_.wait_for(lock, std::chrono::milliseconds(interval_ms), [this] { return wake_ || stop_.load(); });
      wake_ = false;
    }
  });
}

void Exchange::Stop() {
  stop_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace yiwang::exchange
