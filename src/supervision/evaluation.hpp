#pragma once
// Performance evaluation (绩效评估): per department, per month, quarter or year — received,
// concluded, on-time rate, working days used against promised, warnings, yellow and red
// cards, complaints, applicant satisfaction — a configurable score and grade
// (优秀/良好/合格/不合格), a ranking, exports to XLSX and PDF, and a published monthly ranking.
#include <string>

#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "calendar/service.hpp"
#include "core/clock.hpp"
#include "db/database.hpp"
#include "exchange/exchange.hpp"
#include "identity/service.hpp"

namespace yiwang::supervision {

/// How a score is made (points of 100). Configured with three keys (see Parse).
struct EvaluationPolicy {
  double w_ontime = 60, w_satisfaction = 20, w_speed = 20;          // weights, summing to 100
  double d_yellow = 2, d_red = 5, d_violation = 1, d_complaint = 2;  // points taken off each
  double excellent = 90, good = 80, pass = 60;                       // grade thresholds
  /// weights "ontime:60,satisfaction:20,speed:20"; deductions "yellow:2,red:5,violation:1,
  /// complaint:2"; grades "90,80,60". Empty keeps the default. Throws kInvalidInput.
  static EvaluationPolicy Parse(const std::string& weights, const std::string& deductions, const std::string& grades);
  std::string Grade(double score) const;
};

/// "2026-03" (month), "2026-Q1" (quarter) or "2026" (year) → first and last day.
struct Period {
  std::string key, label, from, to;
};
Period ParsePeriod(const std::string& key);  // throws kInvalidInput

class Evaluation {
 public:
  Evaluation(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit, exchange::Exchange& exchange,
             calendar::CalendarService& calendar, EvaluationPolicy policy)
      : db_(db), clock_(clock), audit_(audit), exchange_(exchange), calendar_(calendar), policy_(policy) {}
  void RegisterPacketHandlers();

  /// The evaluation of every department and town for the period: {period, label, from, to,
  /// policy, departments: [{rank, unit_code, unit_name, received, concluded, on_time,
  /// on_time_rate, avg_used_days, avg_promised_days, warnings, violations, yellow_cards,
  /// red_cards, complaints, ratings{…}, satisfaction, score, grade}]} ranked by score;
  /// departments with no case in the period come last with grade "无办件".
  nlohmann::json Evaluate(const identity::Context& ctx, const std::string& period);
  std::string Xlsx(const nlohmann::json& evaluation) const;
  std::string Pdf(const nlohmann::json& evaluation) const;
  /// Publishes a month's ranking to the external zone (监察员; a packet).
  void Publish(const identity::Context& ctx, const std::string& period);
  /// Published rankings, newest first (external zone).
  std::vector<std::pair<std::string, nlohmann::json>> Published();
  const EvaluationPolicy& policy() const { return policy_; }

 private:
  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
  exchange::Exchange& exchange_;
  calendar::CalendarService& calendar_;
  EvaluationPolicy policy_;
};

}  // namespace yiwang::supervision
