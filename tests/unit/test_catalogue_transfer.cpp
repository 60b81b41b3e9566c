// The catalogue as a spreadsheet, without a database: CSV quoting and reading (BOM, CRLF,
// multi-line cells, GBK files from Excel), the header and row checks with their row numbers,
// the '|' list cells shared with the edit form, and .xlsx written by ExportXlsx or by another
// program (shared strings with rich text and phonetic runs, inline strings, numbers,
// booleans, skipped cells, namespace prefixes).
#include <gtest/gtest.h>
#include <iconv.h>
#include <unistd.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "approval/transfer.hpp"
#include "core/error.hpp"

namespace yiwang::approval {
namespace {

Item Sample(const std::string& code) {
  Item i;
  i.code = code;
  i.name = "食品经营许可（新办）";
  i.dept_code = "DH-SCJ";
  i.dept_name = "东河区市场监督管理局";
  i.kind = ItemKind::kLicense;
  i.legal_basis = "《中华人民共和国食品安全法》第三十五条";
  i.conditions = "1. 有与经营的食品品种、数量相适应的场所，\"保持整洁\"；\n2. 有食品安全管理人员";
  i.statutory_days = 20;
  i.promised_days = 5;
  i.place = "东河区政务服务中心 3 号窗口";
  i.fully_online = true;
  i.valid_years = 5;
  i.materials = {{"食品经营许可申请书", true, 1, true, ""}, {"营业执照复印件", false, 2, false, "加盖公章"}};
  i.fees = {{"工本费", 1250, "东价费〔2020〕1 号"}};
  i.steps = {{"受理", "window_clerk", 1}, {"审查", "handler", 2}, {"审批", "approver", 1}};
  i.version = 3;
  i.status = ItemStatus::kPublished;
  return i;
}

void ExpectSame(const Item& a, const Item& b) {
  EXPECT_EQ(a.code, b.code);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.dept_code, b.dept_code);
  EXPECT_EQ(a.dept_name, b.dept_name);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.legal_basis, b.legal_basis);
  EXPECT_EQ(a.conditions, b.conditions);
  EXPECT_EQ(a.statutory_days, b.statutory_days);
  EXPECT_EQ(a.promised_days, b.promised_days);
  EXPECT_EQ(a.place, b.place);
  EXPECT_EQ(a.fully_online, b.fully_online);
  EXPECT_EQ(a.valid_years, b.valid_years);
  ASSERT_EQ(a.materials.size(), b.materials.size());
  for (std::size_t k = 0; k < a.materials.size(); ++k) {
    EXPECT_EQ(a.materials[k].name, b.materials[k].name);
    EXPECT_EQ(a.materials[k].original, b.materials[k].original);
    EXPECT_EQ(a.materials[k].copies, b.materials[k].copies);
    EXPECT_EQ(a.materials[k].required, b.materials[k].required);
    EXPECT_EQ(a.materials[k].note, b.materials[k].note);
  }
  ASSERT_EQ(a.fees.size(), b.fees.size());
  for (std::size_t k = 0; k < a.fees.size(); ++k) {
    EXPECT_EQ(a.fees[k].name, b.fees[k].name);
    EXPECT_EQ(a.fees[k].amount_fen, b.fees[k].amount_fen);
    EXPECT_EQ(a.fees[k].basis, b.fees[k].basis);
  }
  ASSERT_EQ(a.steps.size(), b.steps.size());
  for (std::size_t k = 0; k < a.steps.size(); ++k) {
    EXPECT_EQ(a.steps[k].name, b.steps[k].name);
    EXPECT_EQ(a.steps[k].role, b.steps[k].role);
    EXPECT_EQ(a.steps[k].limit_days, b.steps[k].limit_days);
  }
}

/// The error a call throws (fails the test when it throws none).
template <typename Fn>
Error ErrorOf(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a yiwang::Error";
  return Error(ErrorCode::kInternal, "");
}

const std::string kHeader = "事项编码,事项名称,实施部门编码,事项类型,法定时限,承诺时限,申请材料,办理流程\n";
const std::string kSteps = "\"受理|受理|1\n审批|审批|1\"";

TEST(CatalogueCsv, FieldsAreQuotedOnlyWhenNeeded) {
  EXPECT_EQ(CsvField("食品经营许可"), "食品经营许可");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("说 \"是\""), "\"说 \"\"是\"\"\"");
  EXPECT_EQ(CsvField("一\n二"), "\"一\n二\"");
  EXPECT_EQ(CsvField("一\r二"), "\"一\r二\"");
  EXPECT_EQ(CsvField(""), "");
}

TEST(CatalogueCsv, RecordsWithBomCrlfQuotesAndMultiLineCells) {
  const std::string text =
      "\xEF\xBB\xBF"
      "a,b,c\r\n"
      "\"x,1\",\"say \"\"hi\"\"\",\"line1\r\nline2\"\r\n"
      ",\"\",last\n"
      "tail,no,newline";
  auto r = CsvRecords(text);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0], (std::vector<std::string>{"a", "b", "c"}));  // the BOM is not part of "a"
  EXPECT_EQ(r[1], (std::vector<std::string>{"x,1", "say \"hi\"", "line1\r\nline2"}));
  EXPECT_EQ(r[2], (std::vector<std::string>{"", "", "last"}));
  EXPECT_EQ(r[3], (std::vector<std::string>{"tail", "no", "newline"}));
  EXPECT_EQ(CsvRecords("a\n\nb\n").size(), 3u);  // a blank line is a (blank) record: row numbers stay true

  Error e = ErrorOf([] { CsvRecords("a,b\n1,\"open\n2,3\n"); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
  EXPECT_NE(e.message().find("第 2 行的引号没有闭合"), std::string::npos) << e.message();
}

TEST(CatalogueCsv, ExportThenParseIsTheSameItems) {
  Item b = Sample("DH-SCJ-002");
  b.kind = ItemKind::kOther;
  b.valid_years = 0;  // a term is for licences
  b.fees.clear();
  b.fully_online = false;
  b.name = "名称, 带逗号";
  const std::string csv = ExportCsv({Sample("DH-SCJ-001"), b});
  EXPECT_EQ(
      csv.rfind(
          "\xEF\xBB\xBF事项编码,事项名称,实施部门编码,实施部门,事项类型,设定依据,申请条件,法定时限,承诺时限,办理地点,"
          "全程网办,证照有效期（年）,申请材料,收费,办理流程,版本,状态\r\n",
          0),
      0u);
  EXPECT_NE(csv.find(",\"食品经营许可申请书|原件|1|必需\n营业执照复印件|复印件|2|可选|加盖公章\","), std::string::npos);
  EXPECT_NE(csv.find(",工本费|12.50|东价费〔2020〕1 号,"), std::string::npos);
  EXPECT_NE(csv.find(",3,已发布\r\n"), std::string::npos);
  Sheet sheet = ReadCsv(csv);
  ASSERT_EQ(sheet.items.size(), 2u);
  EXPECT_EQ(sheet.rows, (std::vector<int>{2, 3}));
  ExpectSame(sheet.items[0], Sample("DH-SCJ-001"));
  ExpectSame(sheet.items[1], b);
  EXPECT_EQ(sheet.items[0].status, ItemStatus::kDraft);  // 版本 and 状态 are not read
  EXPECT_EQ(sheet.items[0].version, 1);
}

TEST(CatalogueCsv, ACertificateTermIsOptionalInYearsAndForLicencesOnly) {
  const std::string head = "事项编码,事项名称,实施部门编码,事项类型,法定时限,承诺时限,申请材料,办理流程,证照有效期（年）\n";
  Sheet ok = ReadCsv(head + "DH-A-001,甲,DH-A,行政许可,10,5,申请书," + kSteps + ",5年\n" +  //
                     "DH-A-002,乙,DH-A,行政许可,10,5,申请书," + kSteps + ",长期\n" +         //
                     "DH-A-003,丙,DH-A,行政确认,10,5,申请书," + kSteps + ",\n");
  EXPECT_TRUE(ok.problems.empty());
  ASSERT_EQ(ok.items.size(), 3u);
  EXPECT_EQ(ok.items[0].valid_years, 5);
  EXPECT_EQ(ok.items[1].valid_years, Item::kPermanent);  // 长期: no fixed term
  EXPECT_EQ(ok.items[2].valid_years, 0);                  // not stated
  EXPECT_EQ(ReadCsv(kHeader + "DH-A-001,甲,DH-A,行政许可,10,5,申请书," + kSteps + "\n").items.at(0).valid_years, 0)
      << "files exported before the column was added still import";
  Error e = ErrorOf([&] {
    ParseCsv(head + "DH-A-001,甲,DH-A,行政许可,10,5,申请书," + kSteps + ",五年\n" +  //
             "DH-A-002,乙,DH-A,行政给付,10,5,申请书," + kSteps + ",3\n" +          //
             "DH-A-003,丙,DH-A,行政许可,10,5,申请书," + kSteps + ",99\n");
  });
  const std::string& m = e.message();
  EXPECT_NE(m.find("第 2 行：证照有效期应为年数（1 到 50 的整数）或“长期”，而不是“五年”"), std::string::npos) << m;
  EXPECT_NE(m.find("第 3 行：证照有效期只适用于行政许可事项"), std::string::npos) << m;
  EXPECT_NE(m.find("第 4 行：证照有效期应为 1 到 50 年，或“长期”"), std::string::npos) << m;
}

TEST(CatalogueCsv, AcceptsLfReorderedColumnsAndGbkFromExcel) {
  const std::string text =
      "事项名称,事项编码,事项类型,实施部门编码,法定时限,承诺时限,申请材料,办理流程,全程网办,收费\n"
      "医保定点确认,DH-YBJ-001,行政确认,DH-YBJ,20个工作日,5,申请书,\"受理|受理|1\n审批|审批人|2\",是,\n";
  auto items = ParseCsv(text);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].code, "DH-YBJ-001");
  EXPECT_EQ(items[0].kind, ItemKind::kConfirmation);
  EXPECT_EQ(items[0].statutory_days, 20);
  EXPECT_TRUE(items[0].fully_online);
  ASSERT_EQ(items[0].materials.size(), 1u);
  EXPECT_FALSE(items[0].materials[0].original);  // 原件或复印件 left empty: a copy, 1, required
  EXPECT_EQ(items[0].materials[0].copies, 1);
  EXPECT_TRUE(items[0].materials[0].required);
  EXPECT_EQ(items[0].steps[1].role, "approver");

  // Excel on Chinese Windows saves "CSV（逗号分隔）" in GBK.
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  ASSERT_NE(cd, reinterpret_cast<iconv_t>(-1));
  std::string gbk(text.size() * 2, '\0');
  char* in = const_cast<char*>(text.data());
  std::size_t in_left = text.size(), out_left = gbk.size();
  char* out = gbk.data();
  ASSERT_NE(iconv(cd, &in, &in_left, &out, &out_left), static_cast<std::size_t>(-1));
  iconv_close(cd);
  gbk.resize(gbk.size() - out_left);
  ASSERT_NE(gbk, text);
  auto from_gbk = ParseCsv(gbk);
  ASSERT_EQ(from_gbk.size(), 1u);
  EXPECT_EQ(from_gbk[0].name, "医保定点确认");
}

TEST(CatalogueCsv, HeaderProblemsNameTheColumn) {
  Error missing = ErrorOf(
      [] { ParseCsv("事项编码,事项名称,实施部门编码,事项类型,法定时限,申请材料,办理流程\nA,B,C,行政许可,1,x,y\n"); });
  EXPECT_EQ(missing.code(), ErrorCode::kInvalidInput);
  EXPECT_NE(missing.message().find("缺少“承诺时限”列"), std::string::npos) << missing.message();
  EXPECT_TRUE(missing.fields().count("header"));

  Error unknown =
      ErrorOf([&] { ParseCsv("事项编码,事项名称,实施部门编码,事项类型,法定时限,承诺时限,申请材料,办理流程,备注\n"); });
  EXPECT_NE(unknown.message().find("第 9 列“备注”不是事项目录的列"), std::string::npos) << unknown.message();

  Error twice = ErrorOf(
      [&] { ParseCsv("事项编码,事项名称,事项名称,实施部门编码,事项类型,法定时限,承诺时限,申请材料,办理流程\n"); });
  EXPECT_NE(twice.message().find("“事项名称”列出现了两次"), std::string::npos) << twice.message();

  EXPECT_NE(ErrorOf([] { ParseCsv(""); }).message().find("表头"), std::string::npos);
  EXPECT_NE(ErrorOf([&] { ParseCsv(kHeader); }).message().find("没有事项"), std::string::npos);
}

TEST(CatalogueCsv, EveryBadRowIsReportedWithItsRow) {
  const std::string text =
      kHeader +
      "DH-A-001,好的事项,DH-A,行政许可,10,5,申请书,\"受理|受理|1\n审批|审批|1\"\n"  // row 2 (two lines)
      "DH-A-002,时限不对,DH-A,行政许可,10,15,申请书," +
      kSteps +
      "\n"                                                           // row 3
      "DH-A-003,,DH-A,许可,x,5,\"申请书|原件|0\",\"受理|窗口|1\"\n"  // row 4
      "DH-A-001,重复,DH-A,行政许可,10,5,申请书," +
      kSteps +
      "\n"          // row 5
      ",,,,,,,\n";  // blank: skipped
  Error e = ErrorOf([&] { ParseCsv(text); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
  const std::string& m = e.message();
  EXPECT_NE(m.find("未导入任何事项"), std::string::npos) << m;
  EXPECT_EQ(m.find("\n第 2 行"), std::string::npos) << m;  // row 2 is fine
  EXPECT_NE(m.find("第 3 行：承诺时限应为 1 个工作日以上，且不超过法定时限"), std::string::npos) << m;
  EXPECT_NE(m.find("第 4 行：事项类型“许可”无效"), std::string::npos) << m;
  EXPECT_NE(m.find("第 4 行：法定时限应为工作日数"), std::string::npos) << m;
  EXPECT_NE(m.find("第 4 行：申请材料第 1 条：份数应为 1 到 99 的整数"), std::string::npos) << m;
  EXPECT_NE(m.find("第 4 行：办理流程第 1 条：办理角色应为 受理、承办、审核 或 审批，而不是“窗口”"), std::string::npos)
      << m;
  EXPECT_NE(m.find("第 4 行：请填写事项名称"), std::string::npos) << m;
  EXPECT_NE(m.find("第 5 行：事项编码 DH-A-001 与第 2 行重复"), std::string::npos) << m;
  // One field per bad row, sorted by row.
  std::vector<std::string> keys;
  for (const auto& [k, v] : e.fields()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"row:000003", "row:000004", "row:000005"}));
  EXPECT_EQ(e.fields().at("row:000003").rfind("第 3 行：", 0), 0u);

  // ReadCsv keeps them with the sheet (for the import to add its own), in row order.
  Sheet sheet = ReadCsv(text);
  EXPECT_EQ(sheet.rows, (std::vector<int>{2, 3, 4, 5}));
  ASSERT_EQ(sheet.problems.size(), 7u);
  EXPECT_EQ(sheet.problems.front().first, 3);
  EXPECT_EQ(sheet.problems.back().first, 5);
}

TEST(CatalogueLists, FormAndFileShareOneLineFormat) {
  std::vector<std::string> errors;
  auto m = ParseMaterials("身份证｜原件｜1｜必需\r\n\n  户口簿 | 复印件 | 2份 | 可选 | 户主页  \n", errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(m.size(), 2u);
  EXPECT_TRUE(m[0].original);
  EXPECT_EQ(m[1].name, "户口簿");
  EXPECT_EQ(m[1].copies, 2);
  EXPECT_FALSE(m[1].required);
  EXPECT_EQ(m[1].note, "户主页");
  EXPECT_EQ(FormatMaterials(m), "身份证|原件|1|必需\n户口簿|复印件|2|可选|户主页");

  ParseMaterials("申请书|原件|1|必需|说明|多余\n证明|扫描件\n|原件", errors);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "申请材料第 1 条：栏数过多，应为 名称|原件或复印件|份数|必需或可选|说明");
  EXPECT_EQ(errors[1], "申请材料第 2 条：第 2 栏应为“原件”或“复印件”，而不是“扫描件”");
  EXPECT_EQ(errors[2], "申请材料第 3 条：缺少材料名称");

  errors.clear();
  auto f = ParseFees("工本费|¥12.5|依据\n证书费|80元\n错|1.234\n负|-1", errors);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].amount_fen, 1250);
  EXPECT_EQ(f[1].amount_fen, 8000);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("收费第 3 条：金额应为不小于 0 的数字"), std::string::npos);
  EXPECT_EQ(FormatFees(f), "工本费|12.50|依据\n证书费|80.00|");
  EXPECT_EQ(ParseYuan("0"), 0);
  EXPECT_EQ(ParseYuan("￥ 3.05"), 305);
  EXPECT_EQ(ParseYuan("3."), -1);
  EXPECT_EQ(ParseYuan("abc"), -1);

  errors.clear();
  auto s = ParseSteps("受理|窗口受理员|1\n审查|承办|3个工作日\n审批|approver|1\n决定|领导|0", errors);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].role, "window_clerk");
  EXPECT_EQ(s[1].limit_days, 3);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(
      errors[0],
      "办理流程第 4 条：办理角色应为 受理、承办、审核 或 审批，而不是“领导”，时限应为不少于 1 的工作日数，而不是“0”");
  EXPECT_EQ(FormatSteps(s), "受理|受理|1\n审查|承办|3\n审批|审批|1");

  // A separator or line break inside a cell cannot be written back as one: it is replaced.
  EXPECT_EQ(FormatMaterials({{"甲|乙\n丙", false, 1, true, ""}}), "甲/乙 丙|复印件|1|必需");
}

// ---------------------------------------------------------------- xlsx

TEST(CatalogueXlsx, ExportThenParseIsTheSameItems) {
  Item b = Sample("DH-SCJ-002");
  b.kind = ItemKind::kPayment;
  b.valid_years = 0;
  b.fees.clear();
  const std::string bytes = ExportXlsx({Sample("DH-SCJ-001"), b});
  ASSERT_TRUE(LooksLikeXlsx(bytes));
  auto cells = XlsxCells(bytes);
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[0], TransferColumns());
  EXPECT_EQ(cells[1][7], "20");  // numbers read back as typed
  EXPECT_EQ(cells[1][11], "5");   // 证照有效期（年）
  EXPECT_EQ(cells[2][11], "");    // none for 行政给付
  EXPECT_EQ(cells[1][15], "3");
  Sheet sheet = ReadSpreadsheet(bytes);
  ASSERT_EQ(sheet.items.size(), 2u);
  EXPECT_EQ(sheet.rows, (std::vector<int>{2, 3}));
  ExpectSame(sheet.items[0], Sample("DH-SCJ-001"));
  ExpectSame(sheet.items[1], b);
  EXPECT_NE(ErrorOf([] { ParseXlsx(ExportXlsx({})); }).message().find("没有事项"), std::string::npos);
}

/// An .xlsx as other programs write it, zipped here from its XML parts.
std::string Zip(const std::vector<std::pair<std::string, std::string>>& parts) {
  std::string path = (std::filesystem::temp_directory_path() / "yiwang-test-XXXXXX.xlsx").string();
  int fd = mkstemps(path.data(), 5);
  EXPECT_GE(fd, 0);
  close(fd);
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  EXPECT_NE(z, nullptr);
  for (const auto& [name, text] : parts) {
    zip_source_t* src = zip_source_buffer(z, text.data(), text.size(), 0);
    EXPECT_GE(zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE), 0);
  }
  EXPECT_EQ(zip_close(z), 0);
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::filesystem::remove(path);
  return ss.str();
}

const char* kWorkbook =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<x:sheets><x:sheet name="目录" sheetId="1" r:id="rId7"/><x:sheet name="说明" sheetId="2" r:id="rId8"/></x:sheets></x:workbook>)";
const char* kRels =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/notes.xml"/>
<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/data.xml"/>
<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/>
</Relationships>)";

TEST(CatalogueXlsx, ReadsWorkbooksFromOtherPrograms) {
  // Shared strings: plain, rich text in runs (with a phonetic reading to leave out), an escaped CR.
  const std::string strings =
      R"(<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9" uniqueCount="9">)"
      R"(<si><t>事项编码</t></si><si><t>事项名称</t></si><si><t>实施部门编码</t></si><si><t>事项类型</t></si>)"
      R"(<si><t>法定时限</t></si><si><t>承诺时限</t></si><si><t>申请材料</t></si><si><t>办理流程</t></si>)"
      R"(<si><r><rPr><b/></rPr><t>医保</t></r><r><t xml:space="preserve">定点 确认</t></r><rPh sb="0" eb="2"><t>イホ</t></rPh></si>)"
      R"(<si><t>受理|受理|1_x000D_
审批|审批|1</t></si><si><t>全程网办</t></si></sst>)";
  // Row 1 the header (B1 given by position, no r); row 3 skips B..C and writes numbers,
  // booleans and inline strings; row 2 is absent (a blank row).
  const std::string sheet =
      R"(<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)"
      R"(<row r="1"><c r="A1" t="s"><v>0</v></c><c t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c>)"
      R"(<c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c><c r="G1" t="s"><v>6</v></c><c r="H1" t="s"><v>7</v></c>)"
      R"(<c r="J1" t="s"><v>10</v></c></row>)"
      R"(<row r="3"><c r="A3" t="inlineStr"><is><t>DH-YBJ-001</t></is></c><c r="B3" t="s"><v>8</v></c>)"
      R"(<c r="C3" t="str"><v>DH-YBJ</v></c><c r="D3" t="inlineStr"><is><t>行政确认</t></is></c><c r="E3"><v>20</v></c>)"
      R"(<c r="F3" s="1"><v>5.0</v></c><c r="G3" t="inlineStr"><is><r><t>申请书|原件</t></r></is></c><c r="H3" t="s"><v>9</v></c>)"
      R"(<c r="J3" t="b"><v>1</v></c></row>)"
      R"(<row r="4"><c r="A4" t="inlineStr"><is><t>DH-YBJ-002</t></is></c><c r="B4" t="inlineStr"><is><t>第二项</t></is></c>)"
      R"(<c r="C4" t="inlineStr"><is><t>DH-YBJ</t></is></c><c r="D4" t="inlineStr"><is><t>其他行政权力</t></is></c><c r="E4"><v>3</v></c>)"
      R"(<c r="F4"><v>2</v></c><c r="G4" t="inlineStr"><is><t>申请书</t></is></c><c r="H4" t="s"><v>9</v></c><c r="J4" t="b"><v>0</v></c></row>)"
      R"(</sheetData></worksheet>)";
  const std::string bytes = Zip({{"[Content_Types].xml", "<Types/>"},
                                 {"xl/workbook.xml", kWorkbook},
                                 {"xl/_rels/workbook.xml.rels", kRels},
                                 {"xl/strings.xml", strings},
                                 {"xl/worksheets/notes.xml", "<worksheet><sheetData/></worksheet>"},
                                 {"xl/worksheets/data.xml", sheet}});
  Sheet s = ReadSpreadsheet(bytes);
  ASSERT_EQ(s.items.size(), 2u);
  EXPECT_EQ(s.rows, (std::vector<int>{3, 4}));
  const Item& a = s.items[0];
  EXPECT_EQ(a.code, "DH-YBJ-001");
  EXPECT_EQ(a.name, "医保定点 确认");
  EXPECT_EQ(a.dept_code, "DH-YBJ");
  EXPECT_EQ(a.kind, ItemKind::kConfirmation);
  EXPECT_EQ(a.statutory_days, 20);
  EXPECT_EQ(a.promised_days, 5);
  EXPECT_TRUE(a.fully_online);
  ASSERT_EQ(a.materials.size(), 1u);
  EXPECT_TRUE(a.materials[0].original);
  ASSERT_EQ(a.steps.size(), 2u);
  EXPECT_EQ(a.steps[1].role, "approver");
  EXPECT_FALSE(s.items[1].fully_online);
  EXPECT_EQ(s.items[1].kind, ItemKind::kOther);

  // A row error names the spreadsheet row, as Excel numbers it.
  std::string bad = sheet;
  bad.replace(bad.find("<v>2</v></c><c r=\"G4\""), 8, "<v>9</v>");
  Error e = ErrorOf([&] {
    ParseXlsx(Zip({{"xl/workbook.xml", kWorkbook},
                   {"xl/_rels/workbook.xml.rels", kRels},
                   {"xl/strings.xml", strings},
                   {"xl/worksheets/data.xml", bad}}));
  });
  EXPECT_NE(e.message().find("第 4 行：承诺时限应为"), std::string::npos) << e.message();
}

TEST(CatalogueXlsx, UnreadableFilesGetAClearError) {
  Error zip = ErrorOf([] { ReadSpreadsheet(std::string("PK\x03\x04garbage", 11)); });
  EXPECT_EQ(zip.code(), ErrorCode::kInvalidInput);
  EXPECT_NE(zip.message().find(".xlsx"), std::string::npos);
  Error xls = ErrorOf([] { ReadSpreadsheet(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", 10)); });
  EXPECT_EQ(xls.code(), ErrorCode::kUnsupportedType);
  EXPECT_NE(xls.message().find(".xls"), std::string::npos);
  EXPECT_EQ(ErrorOf([] { ReadSpreadsheet(std::string("\x89PNG\r\n\x1a\n\0\0", 10)); }).code(),
            ErrorCode::kUnsupportedType);
  Error word = ErrorOf([] { ReadSpreadsheet(Zip({{"word/document.xml", "<document/>"}})); });
  EXPECT_NE(word.message().find("xl/workbook.xml"), std::string::npos);
  // No DTDs (entity expansion): refused before any entity is read.
  Error dtd = ErrorOf([] {
    ReadSpreadsheet(Zip(
        {{"xl/workbook.xml", R"(<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa">]><workbook>&a;</workbook>)"}}));
  });
  EXPECT_NE(dtd.message().find("DTD"), std::string::npos) << dtd.message();
  // A cell pointing at a shared string that does not exist.
  Error idx = ErrorOf([] {
    ReadSpreadsheet(
        Zip({{"xl/workbook.xml", kWorkbook},
             {"xl/_rels/workbook.xml.rels", kRels},
             {"xl/worksheets/data.xml",
              R"(<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>5</v></c></row></sheetData></worksheet>)"}}));
  });
  EXPECT_NE(idx.message().find("共享字符串"), std::string::npos);
}

}  // namespace
}  // namespace yiwang::approval
