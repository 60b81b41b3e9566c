#pragma once
// The approval item catalogue (事项目录): what an applicant can apply for, what it needs,
// what it costs, how long it may take, and the steps it goes through. No I/O here.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace yiwang::approval {

enum class ItemKind { kLicense, kConfirmation, kPayment, kOther };  // 行政许可/行政确认/行政给付/其他
std::string ItemKindKey(ItemKind k);    // "license" | "confirmation" | "payment" | "other"
std::string ItemKindLabel(ItemKind k);  // "行政许可" ...
ItemKind ParseItemKind(const std::string& key);  // throws kInvalidInput

/// How a decision on an item of this kind is worded, in one place. 行政许可法 governs licences
/// only (第二条、第三条): a 行政确认, a 行政给付 or another power is decided under the law in the
/// item's legal basis, so its documents neither cite 行政许可法 nor call the result a licence.
struct DecisionWording {
  const char* grant;         // in a sentence: 决定准予行政许可 / 决定予以确认 …
  const char* deny;          // 不予行政许可 / 不予确认 / 不予给付 / 不予办理
  const char* grant_short;   // labels and buttons: 准予许可 / 予以确认 / 准予给付 / 准予办理
  const char* deny_short;    // 不予许可 / 不予确认 / 不予给付 / 不予办理
  const char* grant_title;   // the decision document: 准予行政许可决定书 …
  const char* deny_title;    // 不予行政许可决定书 …
  const char* result_title;  // issued when a grant is concluded: 行政许可证书 …
  const char* holder;        // the row naming the person on it: 持证人 / 申请人
  const char* seal;          // the text under the seal: 行政许可专用章 / 行政审批专用章
};
const DecisionWording& WordingOf(ItemKind kind);
/// A step's 拟办意见 in the kind's words: "拟准予许可" / "拟不予许可" / "拟予以确认"…; "" for "".
std::string ProposalLabel(ItemKind kind, const std::string& proposal);
/// The text of a completed handling step, "完成“审查”环节，拟不予许可。意见：…", as
/// {step name, proposal label and opinion after it}; nullopt if the text is not of that shape.
std::optional<std::pair<std::string, std::string>> SplitStepCompletion(const std::string& text);
/// What the applicant and the public see of an event's text. A handling step's 拟办意见 and
/// opinion are internal working papers before the decision (过程性信息, 政府信息公开条例第十六条
/// 第二款): the public timeline says only which step was completed, and of a step sent back
/// (退回) only from where to where, not the reasons, which argue about those opinions. The
/// decision states its own reasons; every other event's text is public as it is.
std::string PublicOpinion(const std::string& action, const std::string& text);

/// Why an application is not accepted (不予受理, 行政许可法 第三十二条第一款): kNotRequired,
/// 申请事项依法不需要取得行政许可 (第（一）项; licences only); kNotCompetent, 不属于本机关职权范围
/// (第（二）项: the applicant must be told which authority to apply to); kOther, the clerk's own reasons.
enum class RefusalGround { kNotRequired, kNotCompetent, kOther };
/// "not_required" | "not_competent" | "other"; "" reads as kOther. Throws kInvalidInput otherwise.
RefusalGround ParseRefusalGround(const std::string& key);
struct Refusal {
  RefusalGround ground = RefusalGround::kOther;
  std::string authority;  // kNotCompetent: the authority to apply to
  std::string reason;     // the clerk's words: required for kOther, optional otherwise
};
/// The reason as one clause without a final full stop, for the timeline ("不予受理。理由：…。"):
/// "申请事项依法不属于本机关职权范围，请向东河区住房和城乡建设局申请；…".
std::string RefusalReason(const Refusal& r);
/// The sealed decision's finding (from "经审查，" to "本机关决定不予受理。…"), citing the clause of
/// 第三十二条 for a licence; another kind of item cites no article of 行政许可法.
std::string RefusalFinding(const Refusal& r, bool licence);

/// kSuperseded: an older published version replaced by a newer one (kept for running cases).
enum class ItemStatus { kDraft, kPublished, kRetired, kSuperseded };
std::string ItemStatusKey(ItemStatus s);
std::string ItemStatusLabel(ItemStatus s);
ItemStatus ParseItemStatus(const std::string& key);

struct Material {
  std::string name;
  bool original = false;  // 原件 (true) or 复印件 (false)
  int copies = 1;
  bool required = true;
  std::string note;  // e.g. "加盖公章"
  // 空白表格或示范文本: a blank form or a filled-in sample the applicant can download, kept in
  // the file store (by SM3); empty when the material has none. Kept with the version, like the
  // rest of the item; a new version keeps the file of a material of the same name.
  std::string sample_sm3{};
  std::string sample_name{};  // the file name offered
  std::string sample_mime{};
};

struct Fee {
  std::string name;
  std::int64_t amount_fen = 0;  // in 分 (0.01 元)
  std::string basis;            // 收费依据
};

struct Step {
  std::string name;  // 受理, 审查, 审核, 审批, 办结
  std::string role;  // identity role key acting at this step (window_clerk, handler, reviewer, approver)
  int limit_days = 1;  // working days for this step
};

struct Item {
  std::int64_t id = 0;  // row id of this version
  std::string code;     // stable across versions, e.g. "DH-SCJ-001"
  int version = 1;
  std::int64_t dept_unit_id = 0;
  std::string dept_code;  // unit code, for import/export and demo data
  std::string dept_name;
  std::string name;
  ItemKind kind = ItemKind::kLicense;
  std::string legal_basis;
  std::string conditions;
  int statutory_days = 20;  // 法定时限 (行政许可法 第四十二条 default)
  int promised_days = 10;   // 承诺时限, shorter than the statutory limit
  std::string place;        // 办理地点
  /// 行政许可 only: the years a certificate issued for this item is valid (食品经营许可证 5, …),
  /// printed on it as 有效期至; kPermanent = no fixed term (长期); 0 = not stated (not printed:
  /// the catalogue does not know, e.g. a 变更 keeps the original certificate's term).
  int valid_years = 0;
  static constexpr int kPermanent = -1;
  bool fully_online = false;
  ItemStatus status = ItemStatus::kDraft;
  std::vector<Material> materials;
  std::vector<Fee> fees;  // empty = free
  std::vector<Step> steps;
  std::int64_t updated_at = 0;
  std::int64_t published_at = 0;
};

/// Checks an item as an administrator entered it; throws yiwang::Error(kInvalidInput) with
/// one message per bad field (fields: name, code, dept, statutory_days, promised_days,
/// materials, steps, fees).
void ValidateItem(const Item& item);

}  // namespace yiwang::approval
