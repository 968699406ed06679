import { Router } from "express";
import { requireRole } from "../middleware";

export const applicantRoutes = Router();

applicantRoutes.get("/applicant", requireRole("applicant"), (req, res) => {
  res.render("pages/applicant/home", { pageTitle: "Home" });
});
