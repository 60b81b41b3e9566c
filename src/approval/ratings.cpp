#include "approval/ratings.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "db/row.hpp"

namespace yiwang::approval {

namespace {

void Insert(db::Tx& tx, const Rating& r) {
  long long at = r.rated_at;
  tx.sql() << "INSERT INTO case_ratings (case_no, rating, comment, rated_at) VALUES (:c, :r, :m, :t) ON CONFLICT DO NOTHING",
      soci::use(r.case_no), soci::use(r.rating), soci::use(r.comment), soci::use(at);
}

}  // namespace

std::string RatingLabel(const std::string& key) {
  if (key == "very_satisfied") return "非常满意";
  if (key == "satisfied") return "满意";
  if (key == "basic") return "基本满意";
  if (key == "dissatisfied") return "不满意";
  return "";
}

int RatingPoints(const std::string& key) {
  if (key == "very_satisfied") return 100;
  if (key == "satisfied") return 80;
  if (key == "basic") return 60;
  return 0;
}

void RatingService::RegisterPacketHandlers() {
  // Internal zone: the rating arrives for evaluation (in zone "both" the row is already there).
  exchange_.On("case.rated", [](db::Tx& tx, const exchange::Packet& p) {
    Rating r;
    r.case_no = p.payload.at("case_no").get<std::string>();
    r.rating = p.payload.at("rating").get<std::string>();
    r.comment = p.payload.value("comment", "");
    r.rated_at = p.payload.at("rated_at").get<std::int64_t>();
    if (RatingLabel(r.rating).empty()) throw Error(ErrorCode::kInvalidInput, "评价等级无效：" + r.rating);
    Insert(tx, r);
  });
}

Rating RatingService::Rate(const identity::Context& ctx, const std::string& case_no, const std::string& rating,
                           const std::string& comment) {
  Case c = cases_.ForApplicant(ctx, case_no);  // own case only (404 otherwise)
  std::map<std::string, std::string> bad;
  if (RatingLabel(rating).empty()) bad["rating"] = "请选择：非常满意、满意、基本满意或不满意";
  if (core::Utf8Length(comment) > 500) bad["comment"] = "评价意见不超过 500 字";
  if (rating == "dissatisfied" && comment.find_first_not_of(" \t\r\n") == std::string::npos) {
    bad["comment"] = "选择不满意时请写明原因，便于改进";
  }
  if (!bad.empty()) throw Error(ErrorCode::kInvalidInput, "评价填写有误", bad);
  if (c.state != CaseState::kConcluded) throw Error(ErrorCode::kConflict, "办件办结后才能评价");
  if (Of(case_no)) throw Error(ErrorCode::kConflict, "您已评价过本件，每件只能评价一次");
  Rating r{case_no, rating, comment, clock_.NowMs()};
  db::WithTx(db_, [&](db::Tx& tx) {
    Insert(tx, r);
    audit_.Append(tx, ctx.ToActor(), {"case.rate", "case", case_no, "success", RatingLabel(rating)});
    exchange_.Send(tx, core::Zone::kInternal, "case.rated",
                   {{"case_no", r.case_no}, {"rating", r.rating}, {"comment", r.comment}, {"rated_at", r.rated_at}});
  });
  return r;
}

std::optional<Rating> RatingService::Of(const std::string& case_no) {
  db::Conn c(db_);
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT case_no, rating, comment, rated_at FROM case_ratings WHERE case_no = :c",
       soci::use(case_no));
  for (const soci::row& r : rows) {
    return Rating{db::RowStr(r, "case_no"), db::RowStr(r, "rating"), db::RowStr(r, "comment"), db::RowInt(r, "rated_at")};
  }
  return std::nullopt;
}

}  // namespace yiwang::approval
