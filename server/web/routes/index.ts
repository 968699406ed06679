import type { Express } from "express";
import { accountSessionRoutes } from "./account-sessions";
import { adminRoutes } from "./admin";
import { applicantRoutes } from "./applicant";
import { auditRoutes } from "./audit";
import { directoryRoutes } from "./directory";
import { financeRoutes } from "./finance";
import { financeRateRoutes } from "./finance-rates";
import { languageRoutes } from "./language";
import { letterRoutes } from "./letters";
import { managerRoutes } from "./manager";
import { publicRoutes } from "./public";
import { registrationRoutes } from "./register";
import { resultsRoutes } from "./results";
import { twoFactorRoutes } from "./two-factor";

/** Each area owns one router; authorization is declared at the top of each. */
export function registerRoutes(app: Express): void {
  app.use(publicRoutes);
  app.use(languageRoutes);
  app.use(twoFactorRoutes);
  app.use(registrationRoutes);
  app.use(letterRoutes());
  app.use(applicantRoutes);
  app.use(managerRoutes);
  app.use(directoryRoutes);
  app.use(financeRoutes);
  app.use(financeRateRoutes);
  app.use(adminRoutes);
  app.use(auditRoutes);
  app.use(resultsRoutes);
  app.use(accountSessionRoutes);
}
