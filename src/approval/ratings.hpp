#pragma once
// Applicant satisfaction with a concluded case (绩效评估: 非常满意/满意/基本满意/不满意 with a
// comment), given once on the external result page and carried inside as a packet.
#include <optional>
#include <string>

#include "approval/cases.hpp"

namespace yiwang::approval {

struct Rating {
  std::string case_no;
  std::string rating;  // very_satisfied | satisfied | basic | dissatisfied
  std::string comment;
  std::int64_t rated_at = 0;
};

/// "非常满意" … for a rating key; "" for an unknown key.
std::string RatingLabel(const std::string& key);
/// Points of a rating on a 100 scale (非常满意 100, 满意 80, 基本满意 60, 不满意 0).
int RatingPoints(const std::string& key);

class RatingService {
 public:
  RatingService(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit, exchange::Exchange& exchange,
                CaseService& cases)
      : db_(db), clock_(clock), audit_(audit), exchange_(exchange), cases_(cases) {}
  void RegisterPacketHandlers();
  /// The applicant rates their own concluded case, once (409 the second time).
  Rating Rate(const identity::Context& ctx, const std::string& case_no, const std::string& rating,
              const std::string& comment);
  std::optional<Rating> Of(const std::string& case_no);

 private:
  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
  exchange::Exchange& exchange_;
  CaseService& cases_;
};

}  // namespace yiwang::approval
