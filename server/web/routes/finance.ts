import { Router } from "express";
import { requireRole } from "../middleware";

export const financeRoutes = Router();

financeRoutes.get("/finance", requireRole("finance"), (req, res) => {
  res.render("pages/finance/home", { pageTitle: "Home" });
});
