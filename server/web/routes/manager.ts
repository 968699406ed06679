import { Router } from "express";
import { requireRole } from "../middleware";

export const managerRoutes = Router();

managerRoutes.get("/manager", requireRole("manager"), (req, res) => {
  res.render("pages/manager/home", { pageTitle: "Home" });
});
