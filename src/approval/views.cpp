#include "approval/views.hpp"

#include <cstdio>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace yiwang::approval {

std::string FormatFen(std::int64_t fen) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%02lld 元", static_cast<long long>(fen / 100), static_cast<long long>(fen % 100));
  return buf;
}

nlohmann::json ItemJson(const Item& item) {
  static const std::map<std::string, std::string> kRoleLabels = {
      {"window_clerk", "窗口受理员"}, {"handler", "承办人"}, {"reviewer", "审核人"}, {"approver", "审批人"}};
  nlohmann::json materials = nlohmann::json::array(), fees = nlohmann::json::array(), steps = nlohmann::json::array();
  int i = 0;
  for (const Material& m : item.materials) {
    nlohmann::json mj = {{"no", ++i}, {"name", m.name}, {"original", m.original}, {"form", m.original ? "原件" : "复印件"},
                         {"copies", m.copies}, {"required", m.required}, {"note", m.note}};
    if (!m.sample_sm3.empty()) {
      mj["sample"] = {{"sm3", m.sample_sm3}, {"name", m.sample_name}, {"mime", m.sample_mime},
                      {"href", "/services/items/" + item.code + "/samples/" + m.sample_sm3}};
    }
    materials.push_back(mj);
  }
  std::int64_t total = 0;
  for (const Fee& f : item.fees) {
    fees.push_back({{"name", f.name}, {"amount_fen", f.amount_fen}, {"amount", FormatFen(f.amount_fen)}, {"basis", f.basis}});
    total += f.amount_fen;
  }
  i = 0;
  int step_days = 0;
  for (const Step& s : item.steps) {
    auto it = kRoleLabels.find(s.role);
    steps.push_back({{"no", ++i}, {"name", s.name}, {"role", s.role},
                     {"role_label", it == kRoleLabels.end() ? s.role : it->second}, {"limit_days", s.limit_days},
                     {"last", i == static_cast<int>(item.steps.size())}});
    step_days += s.limit_days;
  }
  return {{"id", item.id},
          {"code", item.code},
          {"version", item.version},
          {"dept_unit_id", item.dept_unit_id},
          {"dept_code", item.dept_code},
          {"dept_name", item.dept_name},
          {"name", item.name},
          {"kind", ItemKindKey(item.kind)},
          {"kind_label", ItemKindLabel(item.kind)},
          {"is_license", item.kind == ItemKind::kLicense},
          {"legal_basis", item.legal_basis},
          {"conditions", item.conditions},
          {"statutory_days", item.statutory_days},
          {"promised_days", item.promised_days},
          {"place", item.place},
          {"valid_years", item.valid_years},
          {"validity_label", item.valid_years > 0                    ? std::to_string(item.valid_years) + " 年"
                             : item.valid_years == Item::kPermanent ? "长期"
                                                                    : ""},
          {"fully_online", item.fully_online},
          {"status", ItemStatusKey(item.status)},
          {"status_label", ItemStatusLabel(item.status)},
          {"materials", materials},
          {"fees", fees},
          {"free", item.fees.empty()},
          {"fee_total", FormatFen(total)},
          {"steps", steps},
          {"step_days", step_days},
          {"updated_at", item.updated_at ? core::FormatLocal(item.updated_at) : ""},
          {"published_at", item.published_at ? core::FormatLocal(item.published_at) : ""}};
}

Item ItemFromJson(const nlohmann::json& j) {
  try {
    Item item;
    item.id = j.value("id", std::int64_t{0});
    item.code = j.at("code").get<std::string>();
    item.version = j.value("version", 1);
    item.dept_unit_id = j.value("dept_unit_id", std::int64_t{0});
    item.dept_code = j.value("dept_code", "");
    item.dept_name = j.value("dept_name", "");
    item.name = j.at("name").get<std::string>();
    item.kind = ParseItemKind(j.value("kind", "license"));
    item.legal_basis = j.value("legal_basis", "");
    item.conditions = j.value("conditions", "");
    item.statutory_days = j.value("statutory_days", 20);
    item.promised_days = j.value("promised_days", 10);
    item.place = j.value("place", "");
    item.valid_years = j.value("valid_years", 0);
    item.fully_online = j.value("fully_online", false);
    item.status = ParseItemStatus(j.value("status", "draft"));
    for (const auto& m : j.value("materials", nlohmann::json::array())) {
      Material mat{m.at("name").get<std::string>(), m.value("original", false), m.value("copies", 1), m.value("required", true),
                   m.value("note", "")};
      if (m.contains("sample") && m["sample"].is_object()) {
        mat.sample_sm3 = m["sample"].value("sm3", "");
        mat.sample_name = m["sample"].value("name", "");
        mat.sample_mime = m["sample"].value("mime", "");
      }
      item.materials.push_back(std::move(mat));
    }
    for (const auto& f : j.value("fees", nlohmann::json::array())) {
      item.fees.push_back({f.at("name").get<std::string>(), f.value("amount_fen", std::int64_t{0}), f.value("basis", "")});
    }
    for (const auto& s : j.value("steps", nlohmann::json::array())) {
      item.steps.push_back({s.at("name").get<std::string>(), s.at("role").get<std::string>(), s.value("limit_days", 1)});
    }
    return item;
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kInvalidInput, std::string("事项数据格式错误：") + e.what());
  }
}

}  // namespace yiwang::approval
