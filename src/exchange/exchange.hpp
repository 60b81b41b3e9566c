#pragma once
// Exchange between the external and internal zones (architecture.md "The shape"; domain-rules
// "Exchange across separated networks"). Everything that crosses zones is a packet:
// sequence-numbered per direction, SM3-hashed, applied once (idempotent), acknowledged by a
// packet going back. No synchronous call crosses the gap.
//
//   business Tx ──Send()──▶ exchange_outbox ──transport──▶ receiver ──Apply()──▶ handler + exchange_inbox
//
// Transports: in-process (zone "both": the same process applies its own outbox) and a spool
// directory (split zones: <spool>/to-internal/ and <spool>/to-external/ carried by a one-way
// ferry or rsync). Files are written to a temporary name and renamed, so a reader never sees
// half a file from this side; a ferry that truncates or corrupts one is caught by the hash.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "db/database.hpp"

namespace yiwang::exchange {

struct Packet {
  std::string from;  // "external" | "internal"
  std::string to;
  std::int64_t seq = 0;
  std::string kind;  // e.g. "account.registered"
  std::int64_t created_at = 0;
  nlohmann::json payload;
  std::string sm3;  // over the canonical form of every field above
  std::string sig;  // spool only: hex DER SM2 signature of the sender over the canonical form
};

/// The SM2 keys that authenticate what crosses the spool (ADR 0004): this node signs every
/// packet and acknowledgement it writes with its own key, and accepts only what the other
/// zone's key signed. Not used in zone "both" (nothing crosses a gap).
struct Keys {
  std::string private_pem;      // this node's (PKCS#8 PEM)
  std::string public_pem;       // this node's, to hand to the other node
  std::string peer_public_pem;  // the other zone's, imported with `yiwang exchange trust`
};
/// <data>/exchange-sm2.key (this node's private key, SM4-sealed with `seal_key`, mode 0600),
/// <data>/exchange-sm2.pub (its public key) and <data>/exchange-peer.pub (the other zone's).
inline constexpr const char* kOwnKeyFile = "exchange-sm2.key";
inline constexpr const char* kOwnPublicKeyFile = "exchange-sm2.pub";
inline constexpr const char* kPeerKeyFile = "exchange-peer.pub";
std::string OwnKeyPath(const std::string& data_dir);
std::string OwnPublicKeyPath(const std::string& data_dir);
std::string PeerKeyPath(const std::string& data_dir);
/// This node's keys and the peer's public key if imported; creates this node's key pair on
/// first use.
Keys LoadKeys(const std::string& data_dir, const std::string& seal_key);
/// Checks a PEM as an SM2 public key and stores it as the peer's (replacing any earlier one);
/// refuses this node's own key. Returns the key's fingerprint.
std::string TrustPeerKey(const std::string& data_dir, const std::string& pem, const std::string& seal_key);
/// The same for a node's configuration: its data directory, the seal key derived from its secret.
Keys LoadKeys(const core::Config& config);
std::string TrustPeerKey(const core::Config& config, const std::string& pem);
/// SM3 of a public key PEM's text, grouped for reading aloud over the telephone when the two
/// operators compare keys.
std::string KeyFingerprint(const std::string& public_pem);

/// Canonical text that the hash covers (fields in fixed order, payload dumped sorted).
std::string CanonicalForm(const Packet& p);
/// The packet as JSON text (with its signature when it has one).
std::string Serialize(const Packet& p);
/// Parses and verifies the hash; throws yiwang::Error(kInvalidInput) naming the problem.
Packet ParseAndVerify(const std::string& text);

std::string ZoneKey(core::Zone z);  // "external" / "internal"

class Exchange {
 public:
  using Handler = std::function<void(db::Tx& tx, const Packet& packet)>;

  /// self: the zone(s) this node serves. spool_dir is required unless self is kBoth; so are
  /// keys (this node's and the peer's) before anything is written to or read from the spool.
  Exchange(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit, core::Zone self,
           std::string spool_dir, Keys keys = {});

  /// "" when the node can exchange; otherwise what is missing (split zones without keys).
  std::string KeysProblem() const;
  ~Exchange();

  /// Queues a packet in the caller's transaction: committed with the business change or not
  /// at all, so nothing acknowledged to a user is lost and nothing is sent twice.
  void Send(db::Tx& tx, core::Zone to, const std::string& kind, const nlohmann::json& payload);

  /// The zone(s) this node serves. kBoth: one database holds both zones' rows.
  core::Zone self() const { return self_; }

  /// Registers what applying a packet of this kind means on the receiving zone. The handler
  /// runs in the transaction that records the packet in the inbox.
  void On(const std::string& kind, Handler handler);

  struct PumpStats {
    int sent = 0;        // written to the spool
    int applied = 0;     // applied here
    int duplicates = 0;  // seen before: dropped, acknowledged again
    int rejected = 0;    // failed verification or application
    int acked = 0;       // our packets acknowledged by the other side
  };
  /// One round: deliver our outbox, apply what arrived, handle acknowledgements.
  PumpStats Pump();

  /// Background pumping every interval (and soon after Send()).
  void Start(int interval_ms = 500);
  void Stop();

  /// Unacknowledged packets older than this are written to the spool again (a lost or
  /// corrupted file is replaced).
  void set_resend_after_ms(std::int64_t ms) { resend_after_ms_ = ms; }

 private:
  enum class ApplyOutcome { kApplied, kDuplicate, kRejected, kNotYet };
  /// `also`, when given, runs in the transaction that applies the packet (not for a duplicate or a
  /// rejected one): the in-process delivery marks the packet acknowledged there, atomically.
  ApplyOutcome Apply(const Packet& p, const std::function<void(db::Tx&)>& also = nullptr);
  void Reject(const std::string& from, const std::string& raw, const std::string& reason);
  void DeliverInProcess(PumpStats& stats);
  void DeliverToSpool(PumpStats& stats);
  void ReceiveFromSpool(PumpStats& stats);
  void WriteAck(const std::string& to, std::int64_t seq);
  void ReceiveAck(const std::filesystem::path& path, PumpStats& stats);
  std::int64_t NextExpected(const std::string& from);
  bool Serves(const std::string& zone) const;

  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
  core::Zone self_;
  std::string spool_dir_;
  Keys keys_;
  std::int64_t resend_after_ms_ = 30000;
  std::map<std::string, Handler> handlers_;
  std::mutex pump_mu_;

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  bool wake_ = false;
};

}  // namespace yiwang::exchange
