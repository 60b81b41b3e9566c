#pragma once
#include <string>

#include "app/app.hpp"

namespace yiwang::app {

/// Writes a demo configuration (random secret, mode=demo) into data_dir unless one exists.
void WriteDemoConfig(const std::string& data_dir, const std::string& zone, const std::string& spool_dir);
/// Creates the fictional demo district: the unit tree (city, district, 35 departments and
/// 10 towns, offices), staff accounts for every role (admins with TOTP), a citizen and an
/// enterprise. Writes <data>/demo-accounts.json and returns the printable account table.
std::string CreateDemoDistrict(App& app);
/// Replays six weeks of fictional cases at the 市场监管局 (submit → accept → steps → decide →
/// conclude, some left to go red) with the monitor ticking every evening. Single-node demo only.
std::string SeedDemoCases(App& app);
/// The printable account table of an existing demo (from demo-accounts.json).
std::string DemoAccountsText(const std::string& data_dir);

}  // namespace yiwang::app
