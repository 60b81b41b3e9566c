// Exchange between zones: in-process (zone both) and two nodes on separate databases sharing
// a spool directory (split zones): both directions, duplicates applied once, corrupted or
// truncated packets rejected and reported, packets written while the other node is down
// applied when it comes back.
#include <filesystem>
#include <fstream>

#include "core/crypto.hpp"
#include "core/error.hpp"
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
                                                          core::Zone::kInternal, spool);
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

YIWANG_BACKENDS(Exchange);
YIWANG_BACKENDS(SplitExchange);

}  // namespace
}  // namespace yiwang::testing
