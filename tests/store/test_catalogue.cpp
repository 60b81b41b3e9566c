// The catalogue on both databases: versioning (a published version is never edited), search
// that finds two-character Chinese queries, retire, validation errors changing nothing, and
// the external mirror through the exchange.
#include <filesystem>

#include "approval/catalogue.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

namespace yiwang::testing {
namespace {

using approval::Item;

class Catalogue : public BackendTest {
 protected:
  Item Sample(const std::string& code, const std::string& name) {
    Item i;
    i.code = code;
    i.name = name;
    i.dept_code = "SCJ";
    i.kind = approval::ItemKind::kLicense;
    i.legal_basis = "《中华人民共和国食品安全法》第三十五条";
    i.conditions = "符合" + name + "的法定条件";
    i.statutory_days = 10;
    i.promised_days = 5;
    i.materials = {{"食品经营许可申请书", true, 1, true, ""}, {"营业执照复印件", false, 1, true, ""}};
    i.steps = {{"受理", "window_clerk", 1}, {"审查", "handler", 2}, {"审批", "approver", 1}};
    return i;
  }
  void SeedUnits(Node& n) {
    auto sys = identity::Context::System("测试");
    auto d = n.identity->CreateUnit(sys, {0, "D", "东河区人民政府", "district", 0});
    n.identity->CreateUnit(sys, {d.id, "SCJ", "东河区市场监督管理局", "department", 1});
    n.identity->CreateUnit(sys, {d.id, "YBJ", "东河区医疗保障局", "department", 2});
  }
};

TEST_P(Catalogue, DraftPublishEditMakesANewVersion) {
  Node n(GetParam());
  SeedUnits(n);
  approval::CatalogueService svc(*n.db, n.clock, *n.audit, *n.exchange, *n.files);
  auto sys = identity::Context::System("测试");
  Item v1 = svc.SaveDraft(sys, Sample("SCJ-001", "食品经营许可（新办）"));
  EXPECT_EQ(v1.version, 1);
  EXPECT_THROW(svc.Published("SCJ-001"), Error);  // a draft is not public
  Item p1 = svc.Publish(sys, "SCJ-001");
  EXPECT_EQ(p1.status, approval::ItemStatus::kPublished);
  EXPECT_THROW(svc.Publish(sys, "SCJ-001"), Error);  // nothing left to publish

  Item edit = Sample("SCJ-001", "食品经营许可（新办）");
  edit.promised_days = 4;
  Item v2 = svc.SaveDraft(sys, edit);
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(svc.Published("SCJ-001").version, 1);  // the public still sees version 1
  EXPECT_EQ(svc.Version(p1.id).promised_days, 5);  // and version 1 is unchanged
  svc.Publish(sys, "SCJ-001");
  EXPECT_EQ(svc.Published("SCJ-001").version, 2);
  EXPECT_EQ(svc.Version(p1.id).status, approval::ItemStatus::kSuperseded);
  EXPECT_EQ(n.Count("audit_log", "action LIKE 'item.%'"), 4);
}

TEST_P(Catalogue, TwoCharacterQueriesFindItems) {
  Node n(GetParam());
  SeedUnits(n);
  approval::CatalogueService svc(*n.db, n.clock, *n.audit, *n.exchange, *n.files);
  auto sys = identity::Context::System("测试");
  Item a = Sample("SCJ-001", "食品经营许可（新办）");
  Item b = Sample("YBJ-001", "医保定点医药机构确认");
  b.dept_code = "YBJ";
  b.kind = approval::ItemKind::kConfirmation;
  Item c = Sample("SCJ-002", "公共场所卫生许可");
  EXPECT_EQ(svc.PublishAll(sys, {a, b, c}), 3);
  auto search = [&](const std::string& q) {
    approval::store::Query query;
    query.q = q;
    return svc.Search(query).total;
  };
  EXPECT_EQ(search("医保"), 1);
  EXPECT_EQ(search("食品"), 1);
  EXPECT_EQ(search("许可"), 2);
  EXPECT_EQ(search("卫生许可"), 1);
  EXPECT_EQ(search("公共场所卫生"), 1);
  EXPECT_EQ(search("不存在的事项"), 0);
  EXPECT_EQ(search("！！"), 0);
  EXPECT_EQ(search(""), 3);
  approval::store::Query by_dept;
  by_dept.dept_unit_id = svc.Published("YBJ-001").dept_unit_id;
  EXPECT_EQ(svc.Search(by_dept).total, 1);
  svc.Retire(sys, "YBJ-001");
  EXPECT_EQ(search("医保"), 0);
  EXPECT_THROW(svc.Published("YBJ-001"), Error);
}

TEST_P(Catalogue, InvalidItemsAndWrongRolesChangeNothing) {
  Node n(GetParam());
  SeedUnits(n);
  approval::CatalogueService svc(*n.db, n.clock, *n.audit, *n.exchange, *n.files);
  auto sys = identity::Context::System("测试");
  Item bad = Sample("SCJ-009", "");
  bad.promised_days = 15;  // longer than the statutory 10
  bad.steps = {{"审批", "approver", 1}};
  bad.materials = {};
  try {
    svc.SaveDraft(sys, bad);
    FAIL();
  } catch (const Error& e) {
    for (const char* f : {"name", "promised_days", "steps", "materials"}) EXPECT_TRUE(e.fields().count(f)) << f;
  }
  Item slow = Sample("SCJ-010", "流程超时的事项");
  slow.steps = {{"受理", "window_clerk", 3}, {"审批", "approver", 3}};  // 6 > promised 5
  EXPECT_THROW(svc.SaveDraft(sys, slow), Error);
  identity::Context clerk;
  clerk.principal.kind = "staff";
  clerk.principal.roles = {"window_clerk"};
  EXPECT_THROW(svc.SaveDraft(clerk, Sample("SCJ-011", "越权")), Error);
  EXPECT_EQ(n.Count("items"), 0);
}

TEST_P(Catalogue, PublishedItemsReachTheExternalZone) {
  Node n(GetParam());
  SeedUnits(n);
  approval::CatalogueService svc(*n.db, n.clock, *n.audit, *n.exchange, *n.files);
  svc.RegisterPacketHandlers();
  auto sys = identity::Context::System("测试");
  svc.PublishAll(sys, {Sample("SCJ-001", "食品经营许可（新办）")});
  auto stats = n.exchange->Pump();
  EXPECT_GE(stats.applied, 1);
  EXPECT_EQ(stats.rejected, 0);
  EXPECT_EQ(n.Count("exchange_inbox", "kind = 'items.published'"), 1);
  EXPECT_EQ(svc.Published("SCJ-001").version, 1);  // applying its own announcement changes nothing
  EXPECT_EQ(n.Count("items"), 1);
}

TEST_P(Catalogue, SamplesBelongToADraftVersionTravelOutAndCarryOver) {
  const std::string spool =
      (std::filesystem::temp_directory_path() / ("yiwang-spool-" + core::HexEncode(core::RandomBytes(6)))).string();
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{spool};
  Node in(GetParam(), core::Zone::kInternal, spool), out(GetParam(), core::Zone::kExternal, spool);
  SeedUnits(in);
  SeedUnits(out);
  approval::CatalogueService inside(*in.db, in.clock, *in.audit, *in.exchange, *in.files);
  approval::CatalogueService outside(*out.db, out.clock, *out.audit, *out.exchange, *out.files);
  outside.RegisterPacketHandlers();
  auto sys = identity::Context::System("测试");
  const std::string form = "%PDF-1.7\n% 食品经营许可申请书（空白）\n%%EOF\n";

  Item v1 = inside.SaveDraft(sys, Sample("SCJ-001", "食品经营许可（新办）"));
  // Bad input changes nothing: wrong type by content, no such material, not the administrator.
  try {
    inside.AttachSample(sys, "SCJ-001", 1, "form.exe", "MZ\x90 not a form");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupportedType);
    EXPECT_TRUE(e.fields().count("sample"));
  }
  EXPECT_THROW(inside.AttachSample(sys, "SCJ-001", 3, "a.pdf", form), Error);
  identity::Context clerk;
  clerk.principal.kind = "staff";
  clerk.principal.roles = {"window_clerk"};
  EXPECT_THROW(inside.AttachSample(clerk, "SCJ-001", 1, "a.pdf", form), Error);
  EXPECT_TRUE(inside.Latest("SCJ-001").materials[0].sample_sm3.empty());

  Item with = inside.AttachSample(sys, "SCJ-001", 1, "C:\\表格\\申请书\"空白\".pdf", form);
  EXPECT_EQ(with.version, 1) << "the draft itself, no new version";
  EXPECT_EQ(with.materials[0].sample_sm3, core::Sm3Hex(form));
  EXPECT_EQ(with.materials[0].sample_name, "申请书空白.pdf") << "no path, no quotes";
  EXPECT_EQ(with.materials[0].sample_mime, "application/pdf");
  EXPECT_TRUE(with.materials[1].sample_sm3.empty());
  EXPECT_THROW(inside.SampleOf("SCJ-001", with.materials[0].sample_sm3, true), Error) << "not published yet";
  EXPECT_EQ(inside.SampleOf("SCJ-001", with.materials[0].sample_sm3, false).second, form);

  inside.Publish(sys, "SCJ-001");
  try {
    inside.AttachSample(sys, "SCJ-001", 2, "b.pdf", form);
    FAIL() << "a published version changed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
  }
  // The packet carries the file: the external zone serves it from its own store.
  in.exchange->Pump();
  EXPECT_EQ(out.exchange->Pump().rejected, 0);
  auto [m, bytes] = outside.SampleOf("SCJ-001", core::Sm3Hex(form), true);
  EXPECT_EQ(bytes, form);
  EXPECT_EQ(m.sample_name, "申请书空白.pdf");

  // The next version keeps the sample of the material of the same name; removing it is a
  // change of the draft only.
  Item edit = Sample("SCJ-001", "食品经营许可（新办）");
  edit.promised_days = 4;
  Item v2 = inside.SaveDraft(sys, edit);
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(v2.materials[0].sample_sm3, core::Sm3Hex(form));
  Item removed = inside.RemoveSample(sys, "SCJ-001", 1);
  EXPECT_TRUE(removed.materials[0].sample_sm3.empty());
  EXPECT_EQ(inside.Published("SCJ-001").materials[0].sample_sm3, core::Sm3Hex(form)) << "version 1 keeps it";
  EXPECT_THROW(inside.RemoveSample(sys, "SCJ-001", 1), Error) << "nothing left to remove";
  EXPECT_EQ(in.Count("audit_log", "action IN ('item.sample', 'item.sample_remove')"), 2);
  (void)v1;
}

YIWANG_BACKENDS(Catalogue);

}  // namespace
}  // namespace yiwang::testing
