# programs.nspawn-desktop: the app in the system profile and its polkit action (NixOS links
# share/polkit-1 of system packages), optionally a group that manages containers without a
# password (the rules of assets/polkit/50-nspawn-desktop.rules with that group's name).
self:
{ config, lib, pkgs, ... }:

let
  cfg = config.programs.nspawn-desktop;
  rules = builtins.readFile ../assets/polkit/50-nspawn-desktop.rules;
in
{
  options.programs.nspawn-desktop = {
    enable = lib.mkEnableOption "nspawn desktop, a desktop manager for systemd-nspawn containers";

    package = lib.mkOption {
      type = lib.types.package;
      default = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
      defaultText = lib.literalExpression "nspawn-desktop.packages.\${system}.default";
      description = "The nspawn desktop package.";
    };

    managerGroup = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      example = "machines";
      description = ''
        Members of this group start, stop and enable containers, use machined's machine and
        image actions, and unlock administrative access in nspawn desktop without a password.
        null: polkit asks an administrator, as by default.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = [ cfg.package ];
    security.polkit.enable = true;
    security.polkit.extraConfig = lib.mkIf (cfg.managerGroup != null)
      (builtins.replaceStrings [ ''"machines"'' ] [ (builtins.toJSON cfg.managerGroup) ] rules);
    users.groups = lib.mkIf (cfg.managerGroup != null) { ${cfg.managerGroup} = { }; };
  };
}
