#include "approval/deadlines.hpp"

#include <map>
#include <sstream>

#include "core/error.hpp"

namespace yiwang::approval {
namespace {

/// `days` working days after `start`, nothing suspended.
Deadline Plain(const calendar::Calendar& cal, std::string name, std::string basis, calendar::Date start, int days) {
  Deadline d;
  d.name = std::move(name);
  d.basis = std::move(basis);
  d.start = start;
  d.days = days;
  d.result = cal.Due(d.start, d.days);
  return d;
}

}  // namespace

Deadline AcceptanceDeadline(const calendar::Calendar& cal, const LegalPeriods& p, calendar::Date received,
                            std::optional<calendar::Date> corrections_complete) {
  Deadline d = Plain(cal, "受理期限", "行政许可法第三十二条", corrections_complete.value_or(received), p.acceptance_days);
  if (corrections_complete) {
    d.notes.push_back("申请人于 " + calendar::FormatDate(*corrections_complete) + " 补齐全部补正材料，受理期限自该日重新起算");
  }
  return d;
}

std::optional<calendar::Date> DeemedAcceptance(const calendar::Calendar& cal, const LegalPeriods& p,
                                               calendar::Date received, bool answered, calendar::Date today) {
  if (answered) return std::nullopt;
  const calendar::Date due = cal.Due(received, p.acceptance_days).due;
  if (today <= due) return std::nullopt;
  return received;
}

Deadline DecisionDeadline(const calendar::Calendar& cal, const LegalPeriods& p, const std::string& name,
                          calendar::Date accepted, int limit_days, const std::vector<calendar::Suspension>& suspensions,
                          int extension_days) {
  if (extension_days < 0 || extension_days > p.extension_days) {
    throw Error(ErrorCode::kInvalidInput, "延长期限不得超过 " + std::to_string(p.extension_days) + " 个工作日");
  }
  Deadline d;
  d.name = name;
  d.basis = "行政许可法第四十二条";
  d.start = accepted;
  d.days = limit_days + extension_days;
  for (const auto& s : suspensions) {
    d.notes.push_back(calendar::FormatDate(s.from) + " 至 " + calendar::FormatDate(s.to) + " " + s.reason +
                      "，所需时间不计算在期限内（行政许可法第四十五条）");
  }
  if (extension_days > 0) {
    d.notes.push_back("经批准延长 " + std::to_string(extension_days) + " 个工作日（行政许可法第四十二条）");
  }
  d.result = cal.Due(d.start, d.days, suspensions);
  return d;
}

Deadline CorrectionDeadline(const calendar::Calendar& cal, const LegalPeriods& p, calendar::Date notified) {
  return Plain(cal, "补正期限", "一次性补正告知载明的期限", notified, p.correction_days);
}

Deadline CertificateDeadline(const calendar::Calendar& cal, const LegalPeriods& p, calendar::Date decided) {
  return Plain(cal, "证件颁发送达期限", "行政许可法第四十四条", decided, p.certificate_days);
}

Deadline StepDeadline(const calendar::Calendar& cal, const std::string& step_name, calendar::Date started, int limit_days,
                      const std::vector<calendar::Suspension>& suspensions) {
  Deadline d;
  d.name = step_name + "环节期限";
  d.basis = "事项流程环节时限";
  d.start = started;
  d.days = limit_days;
  for (const auto& s : suspensions) {
    if (s.to < started) continue;  // over before the step began: it does not touch this step's days
    d.notes.push_back(calendar::FormatDate(s.from) + " 至 " + calendar::FormatDate(s.to) + " " + s.reason +
                      "，所需时间不计算在期限内（行政许可法第四十五条）");
  }
  d.result = cal.Due(d.start, d.days, suspensions);
  return d;
}

void CheckExtension(const LegalPeriods& p, int requested_days, int extensions_so_far, const std::string& reasons) {
  if (extensions_so_far > 0) {
    throw Error(ErrorCode::kConflict, "办理期限只能延长一次（行政许可法第四十二条），本件已延长过");
  }
  std::map<std::string, std::string> f;
  if (requested_days < 1 || requested_days > p.extension_days) {
    f["days"] = "延长天数应为 1 到 " + std::to_string(p.extension_days) + " 个工作日";
  }
  if (reasons.find_first_not_of(" \t\r\n") == std::string::npos) f["reasons"] = "延长期限须书面说明理由并告知申请人";
  if (!f.empty()) throw Error(ErrorCode::kInvalidInput, "延长期限的申请不符合要求", f);
}

std::string ExplainDeadline(const Deadline& d) {
  std::ostringstream out;
  out << d.name << "（" << d.basis << "）：" << calendar::Explain(d.result, d.start, d.days);
  for (const auto& n : d.notes) out << "  注：" << n << "\n";
  return out.str();
}

std::string ValidUntil(const std::string& issued_on, int years) {
  using namespace std::chrono;
  year_month_day end{calendar::ParseDate(issued_on)};
  end += std::chrono::years{years};
  return calendar::FormatDate(sys_days{end} - days{1});  // 02-29 in a common year counts on to 03-01
}

std::string LicenceTermProblem(const std::string& valid_until, const std::string& today) {
  calendar::Date until;
  try {
    until = calendar::ParseDate(valid_until);
  } catch (const Error&) {
    return "证照有效期至应为日期（如 2030-06-30）";
  }
  if (calendar::FormatDate(until) != valid_until) return "证照有效期至应为日期（如 2030-06-30）";
  if (until <= calendar::ParseDate(today)) return "证照有效期至应在今天（" + today + "）之后";
  if (until > calendar::ParseDate(ValidUntil(today, 50))) return "证照有效期不能超过 50 年";
  return "";
}

}  // namespace yiwang::approval
