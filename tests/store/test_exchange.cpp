// Exchange between zones: in-process (zone both) and two nodes on separate databases sharing
// a spool directory (split zones): both directions, duplicates applied once, corrupted or
// truncated packets rejected and reported, packets written while the other node is down
// applied when it comes back.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/sm2.hpp"
#include "exchange/exchange.hpp"
#include "identity/checkdigit.hpp"
#include "test_support.hpp"

namespace yiwang::testing {
namespace {
namespace fs = std::filesystem;

identity::Registration Citizen(const std::string& seventeen) {
  identity::Registration r;
  r.kind = "citizen";
  r.name = "李四";
  r.id_number = seventeen + identity::ResidentIdCheckChar(seventeen);
  r.mobile = "13900139000";
  r.password = r.password_confirm = "another long passphrase";
  return r;
}

class Exchange : public BackendTest {};

TEST_P(Exchange, InProcessTransportAppliesOnceAndAcks) {
  Node n(GetParam());
  n.identity->Register({}, Citizen("11010119800101001"));
  auto s = n.exchange->Pump();
  EXPECT_EQ(s.applied, 1);
  EXPECT_EQ(n.Count("exchange_inbox", "from_zone = 'external'"), 1);
  EXPECT_EQ(n.Count("exchange_outbox", "acked_at = 0"), 0);
  EXPECT_EQ(n.exchange->Pump().applied, 0);
}

TEST(ExchangePacket, HashCoversEveryField) {
  exchange::Packet p;
  p.from = "external";
  p.to = "internal";
  p.seq = 3;
  p.kind = "k";
  p.created_at = 5;
  p.payload = {{"a", 1}};
  p.sm3 = core::Sm3Hex(exchange::CanonicalForm(p));
  std::string good = exchange::Serialize(p);
  EXPECT_EQ(exchange::ParseAndVerify(good).seq, 3);
  std::string changed = good;
  changed.replace(changed.find("\"a\":1"), 5, "\"a\":2");
  EXPECT_THROW(exchange::ParseAndVerify(changed), Error);
  EXPECT_THROW(exchange::ParseAndVerify(good.substr(0, good.size() / 2)), Error);
}

class SplitExchange : public BackendTest {
 protected:
  void SetUp() override {
    spool = (fs::temp_directory_path() / ("yiwang-spool-" + core::HexEncode(core::RandomBytes(6)))).string();
    outside = std::make_unique<Node>(GetParam(), core::Zone::kExternal, spool);
    inside = std::make_unique<Node>(GetParam(), core::Zone::kInternal, spool);
    outside->exchange->set_resend_after_ms(60000);
    inside->exchange->set_resend_after_ms(60000);
  }
  void TearDown() override { fs::remove_all(spool); }
  std::vector<fs::path> Files(const std::string& dir) {
    std::vector<fs::path> out;
    if (!fs::exists(fs::path(spool) / dir)) return out;
    for (auto& e : fs::directory_iterator(fs::path(spool) / dir)) {
      std::string name = e.path().filename().string();
      if (name.rfind("ack-", 0) != 0 && name[0] != '.') out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string spool;
  std::unique_ptr<Node> outside, inside;
};

TEST_P(SplitExchange, PacketsPassBothWays) {
  outside->identity->Register({}, Citizen("11010119800101001"));
  EXPECT_EQ(outside->exchange->Pump().sent, 1);
  EXPECT_EQ(Files("to-internal").size(), 1u);
  EXPECT_EQ(inside->exchange->Pump().applied, 1);
  EXPECT_EQ(inside->Count("public_accounts"), 1);
  EXPECT_EQ(inside->Count("public_accounts", "password_hash = ''"), 1);  // never the password
  EXPECT_EQ(outside->exchange->Pump().acked, 1);
  EXPECT_EQ(outside->Count("exchange_outbox", "acked_at = 0"), 0);

  // The other way: the unit tree is owned inside and mirrored to the portal.
  inside->identity->CreateUnit(identity::Context::System("t"), {0, "D", "东河区人民政府", "district", 0});
  inside->exchange->Pump();
  EXPECT_EQ(outside->exchange->Pump().applied, 1);
  EXPECT_EQ(outside->Count("units", "code = 'D'"), 1);
}

TEST_P(SplitExchange, DuplicateIsAppliedOnce) {
  outside->identity->Register({}, Citizen("11010119800101001"));
  outside->exchange->Pump();
  fs::path packet = Files("to-internal").at(0);
  std::string copy = packet.string() + ".copy";
  fs::copy_file(packet, copy);
  EXPECT_EQ(inside->exchange->Pump().applied, 1);
  fs::rename(copy, packet);  // the ferry delivers the same packet again
  auto s = inside->exchange->Pump();
  EXPECT_EQ(s.applied, 0);
  EXPECT_EQ(s.duplicates, 1);
  EXPECT_EQ(inside->Count("public_accounts"), 1);
  EXPECT_EQ(inside->Count("exchange_inbox"), 1);
}

TEST_P(SplitExchange, CorruptedPacketIsRejectedThenReplacedByResend) {
  outside->identity->Register({}, Citizen("11010119800101001"));
  outside->exchange->Pump();
  fs::path packet = Files("to-internal").at(0);
  std::string body;
  {
    std::ifstream in(packet);
    std::getline(in, body, '\0');
  }
  body.replace(body.find("李四"), 6, "王五");
  std::ofstream(packet, std::ios::trunc) << body;
  auto s = inside->exchange->Pump();
  EXPECT_EQ(s.rejected, 1);
  EXPECT_EQ(s.applied, 0);
  EXPECT_EQ(inside->Count("public_accounts"), 0);
  EXPECT_EQ(inside->Count("exchange_errors"), 1);
  EXPECT_EQ(inside->Count("audit_log", "action = 'exchange.reject'"), 1);
  // Not acknowledged, so the sender writes it again after the resend interval.
  outside->clock.Advance(61000);
  EXPECT_EQ(outside->exchange->Pump().sent, 1);
  EXPECT_EQ(inside->exchange->Pump().applied, 1);
  EXPECT_EQ(inside->Count("public_accounts", "name = '李四'"), 1);
}

TEST_P(SplitExchange, BinaryGarbageFromTheFerryIsRejectedAndRecordedAsText) {
  outside->identity->Register({}, Citizen("11010119800101001"));
  outside->exchange->Pump();
  const fs::path packet = Files("to-internal").at(0);
  std::ofstream(packet, std::ios::binary | std::ios::trunc) << std::string("\xff\xfe\x00\x9f{\"v\":1, 李\xe5\xae", 16);
  EXPECT_EQ(inside->exchange->Pump().rejected, 1);  // recorded (PostgreSQL takes only valid UTF-8), moved aside
  EXPECT_FALSE(fs::exists(packet));
  EXPECT_EQ(inside->Count("exchange_errors"), 1);
  outside->clock.Advance(61000);
  outside->exchange->Pump();  // the resend
  EXPECT_EQ(inside->exchange->Pump().applied, 1);
}

TEST_P(SplitExchange, TruncatedPacketIsNeverHalfApplied) {
  outside->identity->Register({}, Citizen("11010119800101001"));
  outside->exchange->Pump();
  fs::path packet = Files("to-internal").at(0);
  auto size = fs::file_size(packet);
  fs::resize_file(packet, size / 2);
  EXPECT_EQ(inside->exchange->Pump().rejected, 1);
  EXPECT_EQ(inside->Count("public_accounts"), 0);
  EXPECT_EQ(inside->Count("exchange_inbox"), 0);
}

TEST_P(SplitExchange, PacketsWrittenWhileReceiverIsDownAreAppliedInOrder) {
  outside->identity->Register({}, Citizen("11010119800101001"));
  outside->identity->Register({}, Citizen("11010119800101002"));
  outside->identity->Register({}, Citizen("11010119800101003"));
  outside->exchange->Pump();
  EXPECT_EQ(Files("to-internal").size(), 3u);
  // The internal node "comes back": a fresh process on the same database.
  inside->exchange.reset();
  inside->exchange = std::make_unique<exchange::Exchange>(*inside->db, inside->clock, *inside->audit,
                                                          core::Zone::kInternal, spool, SplitZoneKeys(core::Zone::kInternal));
  inside->identity = std::make_unique<identity::IdentityService>(*inside->db, inside->clock, *inside->audit,
                                                                 *inside->exchange, inside->config);
  inside->identity->RegisterPacketHandlers();
  EXPECT_EQ(inside->exchange->Pump().applied, 3);
  EXPECT_EQ(inside->Count("public_accounts"), 3);
  EXPECT_EQ(outside->exchange->Pump().acked, 3);
}

TEST_P(SplitExchange, GapWaitsForTheMissingPacket) {
  outside->identity->Register({}, Citizen("11010119800101001"));
  outside->identity->Register({}, Citizen("11010119800101002"));
  outside->exchange->Pump();
  auto files = Files("to-internal");
  fs::path held = fs::path(spool) / "held.pkt";
  fs::rename(files[0], held);  // packet 1 is still on the ferry
  EXPECT_EQ(inside->exchange->Pump().applied, 0);
  EXPECT_EQ(inside->Count("public_accounts"), 0);
  fs::rename(held, files[0]);
  EXPECT_EQ(inside->exchange->Pump().applied, 2);
}

// Authentication (ADR 0004): SM3 finds damage, the sender's SM2 signature tells that the other
// node wrote the packet. Someone able to write into the spool (the ferry, a compromised
// transfer host) can compute a correct hash but not the signature.
std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void WriteAll(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << data;
}

TEST_P(SplitExchange, APacketNotSignedByTheOtherNodeIsRejectedAndNeverApplied) {
  // A forged registration with a correct SM3: unsigned, then signed by a key nobody trusts.
  exchange::Packet forged;
  forged.from = "external";
  forged.to = "internal";
  forged.seq = 1;
  forged.kind = "account.registered";
  forged.created_at = 1767240000000LL;
  forged.payload = {{"id", 99}, {"kind", "citizen"}, {"name", "伪造"}};
  forged.sm3 = core::Sm3Hex(exchange::CanonicalForm(forged));
  const fs::path file = fs::path(spool) / "to-internal" / "000000000001.pkt";
  const core::Sm2KeyPair stranger = core::GenerateSm2Key();
  for (const std::string& sig : {std::string(), core::HexEncode(core::Sm2Sign(stranger.private_pem,
                                                                              exchange::CanonicalForm(forged)))}) {
    nlohmann::json j = nlohmann::json::parse(exchange::Serialize(forged));
    if (!sig.empty()) j["sig"] = sig;
    WriteAll(file, j.dump());
    EXPECT_EQ(inside->exchange->Pump().rejected, 1);
    EXPECT_FALSE(fs::exists(file));  // moved aside to rejected/
  }
  EXPECT_EQ(inside->Count("exchange_inbox"), 0);
  EXPECT_EQ(inside->Count("exchange_errors", "reason LIKE '%没有签名%'"), 1);
  EXPECT_EQ(inside->Count("exchange_errors", "reason LIKE '%签名无效%'"), 1);
  EXPECT_TRUE(Files("to-external").empty());
  EXPECT_FALSE(fs::exists(fs::path(spool) / "to-external" / "ack-000000000001.pkt"));  // never acknowledged
  // The genuine packet 1 still goes through.
  outside->identity->Register({}, Citizen("11010119800101001"));
  outside->exchange->Pump();
  EXPECT_EQ(inside->exchange->Pump().applied, 1);
  EXPECT_EQ(inside->Count("public_accounts"), 1);
}

TEST_P(SplitExchange, AChangedPacketWithItsHashRecomputedFailsTheSignature) {
  outside->identity->Register({}, Citizen("11010119800101001"));
  outside->exchange->Pump();
  const fs::path file = Files("to-internal").at(0);
  nlohmann::json j = nlohmann::json::parse(ReadAll(file));
  exchange::Packet p = exchange::ParseAndVerify(j.dump());
  p.payload["name"] = "王五";  // the content changed on the way, the hash made to match
  p.sm3 = core::Sm3Hex(exchange::CanonicalForm(p));
  j["payload"] = p.payload;
  j["sm3"] = p.sm3;  // the sender's signature kept
  WriteAll(file, j.dump());
  EXPECT_EQ(inside->exchange->Pump().rejected, 1);
  EXPECT_EQ(inside->Count("public_accounts"), 0);
}

TEST_P(SplitExchange, AForgedAcknowledgementIsIgnoredAndThePacketSentAgain) {
  outside->exchange->set_resend_after_ms(0);
  outside->identity->Register({}, Citizen("11010119800101001"));
  outside->exchange->Pump();
  const fs::path packet = Files("to-internal").at(0);
  fs::remove(packet);  // lost on the ferry; someone acknowledges it instead
  const fs::path ack = fs::path(spool) / "to-external" / "ack-000000000001.pkt";
  WriteAll(ack, nlohmann::json({{"ack", 1}, {"from", "internal"}, {"to", "external"}}).dump());
  EXPECT_EQ(outside->exchange->Pump().rejected, 1);
  const core::Sm2KeyPair stranger = core::GenerateSm2Key();
  WriteAll(ack, nlohmann::json({{"ack", 1}, {"from", "internal"}, {"to", "external"},
                                {"sig", core::HexEncode(core::Sm2Sign(stranger.private_pem, "ack\ninternal\nexternal\n1"))}})
                    .dump());
  auto s = outside->exchange->Pump();
  EXPECT_EQ(s.rejected, 1);
  EXPECT_EQ(s.acked, 0);
  EXPECT_EQ(outside->Count("exchange_outbox", "acked_at = 0"), 1);  // still waiting
  // It was written again (resend); the real receiver applies it and its signed ack counts.
  ASSERT_EQ(Files("to-internal").size(), 1u);
  EXPECT_EQ(inside->exchange->Pump().applied, 1);
  EXPECT_EQ(outside->exchange->Pump().acked, 1);
  EXPECT_EQ(outside->Count("exchange_outbox", "acked_at = 0"), 0);
}

TEST(ExchangeKeys, CreatedOnceSealedAndThePeersKeyChecked) {
  const fs::path dir = fs::temp_directory_path() / ("yiwang-keys-" + core::HexEncode(core::RandomBytes(5)));
  const fs::path other = fs::temp_directory_path() / ("yiwang-keys-" + core::HexEncode(core::RandomBytes(5)));
  fs::create_directories(dir);
  fs::create_directories(other);
  const std::string seal(32, 's');
  const exchange::Keys first = exchange::LoadKeys(dir.string(), seal);
  EXPECT_EQ(exchange::LoadKeys(dir.string(), seal).public_pem, first.public_pem);  // created once
  EXPECT_TRUE(first.peer_public_pem.empty());
  // The private key is sealed at rest and readable by its owner only.
  const std::string at_rest = ReadAll(exchange::OwnKeyPath(dir.string()));
  EXPECT_EQ(at_rest.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(fs::status(exchange::OwnKeyPath(dir.string())).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_THROW(exchange::LoadKeys(dir.string(), std::string(32, 'x')), Error);  // another secret
  // Trust: not a key, the node's own key: refused; the other node's: stored.
  EXPECT_THROW(exchange::TrustPeerKey(dir.string(), "hello", seal), Error);
  EXPECT_THROW(exchange::TrustPeerKey(dir.string(), first.public_pem, seal), Error);
  const exchange::Keys peer = exchange::LoadKeys(other.string(), seal);
  EXPECT_EQ(exchange::TrustPeerKey(dir.string(), peer.public_pem, seal), exchange::KeyFingerprint(peer.public_pem));
  EXPECT_EQ(exchange::LoadKeys(dir.string(), seal).peer_public_pem, peer.public_pem);
  fs::remove_all(dir);
  fs::remove_all(other);
}

YIWANG_BACKENDS(Exchange);
YIWANG_BACKENDS(SplitExchange);

}  // namespace
}  // namespace yiwang::testing
