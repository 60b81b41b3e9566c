#include "approval/model.hpp"

#include <algorithm>
#include <map>

#include "core/error.hpp"
#include "core/text.hpp"

namespace yiwang::approval {

std::string ItemKindKey(ItemKind k) {
  switch (k) {
    case ItemKind::kLicense: return "license";
    case ItemKind::kConfirmation: return "confirmation";
    case ItemKind::kPayment: return "payment";
    case ItemKind::kOther: return "other";
  }
  return "other";
}

std::string ItemKindLabel(ItemKind k) {
  switch (k) {
    case ItemKind::kLicense: return "行政许可";
    case ItemKind::kConfirmation: return "行政确认";
    case ItemKind::kPayment: return "行政给付";
    case ItemKind::kOther: return "其他行政权力";
  }
  return "其他行政权力";
}

ItemKind ParseItemKind(const std::string& key) {
  for (ItemKind k : {ItemKind::kLicense, ItemKind::kConfirmation, ItemKind::kPayment, ItemKind::kOther}) {
    if (ItemKindKey(k) == key || ItemKindLabel(k) == key) return k;
  }
  throw Error(ErrorCode::kInvalidInput, "事项类型无效：" + key, {{"kind", "请选择事项类型"}});
}

const DecisionWording& WordingOf(ItemKind kind) {
  static const DecisionWording kLicense{"准予行政许可", "不予行政许可", "准予许可",       "不予许可",  "准予行政许可决定书",
                                        "不予行政许可决定书", "行政许可证书", "持  证  人", "行政许可专用章"};
  static const DecisionWording kConfirmation{"予以确认",         "不予确认",         "予以确认",   "不予确认", "行政确认决定书",
                                             "不予确认决定书", "行政确认证明", "申  请  人", "行政审批专用章"};
  static const DecisionWording kPayment{"准予给付",         "不予给付",         "准予给付",   "不予给付", "准予给付决定书",
                                        "不予给付决定书", "行政给付通知书", "申  请  人", "行政审批专用章"};
  static const DecisionWording kOther{"准予办理",         "不予办理",         "准予办理",   "不予办理", "准予办理决定书",
                                      "不予办理决定书", "办理结果通知书", "申  请  人", "行政审批专用章"};
  switch (kind) {
    case ItemKind::kLicense: return kLicense;
    case ItemKind::kConfirmation: return kConfirmation;
    case ItemKind::kPayment: return kPayment;
    case ItemKind::kOther: return kOther;
  }
  return kOther;
}

std::string ProposalLabel(ItemKind kind, const std::string& proposal) {
  if (proposal.empty()) return "";
  return std::string("拟") + (proposal == "approve" ? WordingOf(kind).grant_short : WordingOf(kind).deny_short);
}

std::optional<std::pair<std::string, std::string>> SplitStepCompletion(const std::string& text) {
  static const std::string open = "完成“", close = "”环节";
  if (text.rfind(open, 0) != 0) return std::nullopt;
  const auto end = text.find(close, open.size());
  if (end == std::string::npos) return std::nullopt;
  return std::make_pair(text.substr(open.size(), end - open.size()), text.substr(end + close.size()));
}

std::string PublicOpinion(const std::string& action, const std::string& text) {
  if (action == "return_step") {  // "“审核”环节退回“审查”环节重新办理。理由：…": the reasons argue the steps' opinions
    const auto why = text.find("。理由：");
    return why == std::string::npos ? text : text.substr(0, why);
  }
  if (action != "complete_step") return text;
  const auto parts = SplitStepCompletion(text);
  return parts ? "完成“" + parts->first + "”环节" : "完成办理环节";
}

RefusalGround ParseRefusalGround(const std::string& key) {
  if (key.empty() || key == "other") return RefusalGround::kOther;
  if (key == "not_required") return RefusalGround::kNotRequired;
  if (key == "not_competent") return RefusalGround::kNotCompetent;
  throw Error(ErrorCode::kInvalidInput, "不予受理的理由类别无效：" + key, {{"ground", "请选择不予受理的理由类别"}});
}

std::string RefusalReason(const Refusal& r) {
  const std::string own = core::WithoutFullStop(r.reason);
  std::string out;
  switch (r.ground) {
    case RefusalGround::kNotRequired: out = "申请事项依法不需要取得行政许可"; break;
    case RefusalGround::kNotCompetent: out = "申请事项依法不属于本机关职权范围，请向" + r.authority + "申请"; break;
    case RefusalGround::kOther: return own;
  }
  return own.empty() ? out : out + "；" + own;
}

std::string RefusalFinding(const Refusal& r, bool licence) {
  const char* clause = r.ground == RefusalGround::kNotRequired    ? "第一款第（一）项"
                       : r.ground == RefusalGround::kNotCompetent ? "第一款第（二）项"
                                                                  : "第一款";
  const std::string own = core::WithoutFullStop(r.reason);
  std::string out = "经审查，";
  switch (r.ground) {
    case RefusalGround::kNotRequired: out += "你（单位）申请的事项依法不需要取得行政许可"; break;
    case RefusalGround::kNotCompetent: out += "你（单位）申请的事项依法不属于本机关职权范围"; break;
    case RefusalGround::kOther: out += own; break;
  }
  out += "。";
  if (r.ground != RefusalGround::kOther && !own.empty()) out += own + "。";
  if (licence) out += std::string("根据《中华人民共和国行政许可法》第三十二条") + clause + "的规定，";
  out += "本机关决定不予受理。";
  if (r.ground == RefusalGround::kNotCompetent) out += "请向" + r.authority + "提出申请。";
  return out;
}

std::string ItemStatusKey(ItemStatus s) {
  switch (s) {
    case ItemStatus::kDraft: return "draft";
    case ItemStatus::kPublished: return "published";
    case ItemStatus::kRetired: return "retired";
    case ItemStatus::kSuperseded: return "superseded";
  }
  return "draft";
}

std::string ItemStatusLabel(ItemStatus s) {
  switch (s) {
    case ItemStatus::kDraft: return "草稿";
    case ItemStatus::kPublished: return "已发布";
    case ItemStatus::kRetired: return "已停用";
    case ItemStatus::kSuperseded: return "旧版本";
  }
  return "草稿";
}

ItemStatus ParseItemStatus(const std::string& key) {
  for (ItemStatus s : {ItemStatus::kDraft, ItemStatus::kPublished, ItemStatus::kRetired, ItemStatus::kSuperseded}) {
    if (ItemStatusKey(s) == key) return s;
  }
  return ItemStatus::kDraft;
}

void ValidateItem(const Item& item) {
  std::map<std::string, std::string> f;
  if (item.name.empty() || core::Utf8Length(item.name) > 100) f["name"] = "请填写事项名称（不超过 100 个字）";
  if (item.code.empty() || item.code.size() > 40 ||
      !std::all_of(item.code.begin(), item.code.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; })) {
    f["code"] = "事项编码为 1 到 40 位字母、数字、连字符";
  }
  if (item.dept_unit_id == 0) f["dept"] = "请选择实施部门";
  if (item.statutory_days < 1 || item.statutory_days > 365) f["statutory_days"] = "法定时限应为 1 到 365 个工作日";
  if (item.promised_days < 1 || item.promised_days > item.statutory_days) {
    f["promised_days"] = "承诺时限应为 1 个工作日以上，且不超过法定时限";
  }
  if (item.materials.empty() ||
      std::none_of(item.materials.begin(), item.materials.end(), [](const Material& m) { return m.required; })) {
    f["materials"] = "至少需要一项必需的申请材料";
  }
  for (const Material& m : item.materials) {
    if (m.name.empty() || m.copies < 1 || m.copies > 99) f["materials"] = "每项材料须有名称，份数为 1 到 99";
  }
  int step_days = 0;
  for (const Step& s : item.steps) {
    if (s.name.empty() || s.limit_days < 1) f["steps"] = "每个环节须有名称和不少于 1 个工作日的时限";
    if (s.role != "window_clerk" && s.role != "handler" && s.role != "reviewer" && s.role != "approver") {
      f["steps"] = "环节办理角色应为 受理、承办、审核 或 审批";
    }
    step_days += s.limit_days;
  }
  if (item.steps.size() < 2) f["steps"] = "办理流程至少包括受理和审批两个环节";
  else if (item.steps.front().role != "window_clerk") f["steps"] = "办理流程的第一个环节应为窗口受理";
  else if (item.steps.back().role != "approver") f["steps"] = "办理流程的最后一个环节应由审批人作出决定";
  if (!f.count("steps") && !f.count("promised_days") && step_days > item.promised_days) {
    f["steps"] = "各环节时限之和（" + std::to_string(step_days) + " 个工作日）超过承诺时限";
  }
  for (const Fee& fee : item.fees) {
    if (fee.name.empty() || fee.amount_fen < 0) f["fees"] = "收费项目须有名称，金额不能为负";
  }
  if (item.valid_years < Item::kPermanent || item.valid_years > 50) {
    f["valid_years"] = "证照有效期应为 1 到 50 年，或“长期”；不确定的不填";
  } else if (item.valid_years != 0 && item.kind != ItemKind::kLicense) {
    f["valid_years"] = "证照有效期只适用于行政许可事项";
  }
  if (!f.empty()) throw Error(ErrorCode::kInvalidInput, "事项信息有误，请修正后再提交", f);
}

}  // namespace yiwang::approval
