# Evaluates nix/module.nix and flake.nix with a small stand-in for nixpkgs' lib (no nixpkgs here):
# enough to see the options it declares and the config it gives for one setting.
{ root, group }:
let
  lib = {
    mkEnableOption = d: { _option = "enable"; description = d; };
    mkOption = o: o // { _option = "option"; };
    mkIf = cond: v: if cond then v else { _skipped = true; };
    literalExpression = t: t;
    types = { package = "package"; str = "str"; nullOr = t: "nullOr ${t}"; };
    genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
  };
  pkgs = { stdenv.hostPlatform.system = "x86_64-linux"; callPackage = p: a: { _package = p; }; };
  flake = import (root + "/flake.nix");
  outputs = flake.outputs { self = outputs; nixpkgs = { inherit lib; legacyPackages.x86_64-linux = pkgs; legacyPackages.aarch64-linux = pkgs; }; };
  module = outputs.nixosModules.default {
    config.programs.nspawn-desktop = { enable = true; managerGroup = group; package = "the-package"; };
    inherit lib pkgs;
  };
in {
  options = builtins.attrNames module.options.programs.nspawn-desktop;
  packageDefault = module.options.programs.nspawn-desktop.package.default._package == root + "/nix/package.nix";
  systems = builtins.attrNames outputs.packages;
  systemPackages = module.config.environment.systemPackages;
  polkit = module.config.security.polkit.enable;
  rules = module.config.security.polkit.extraConfig;
  groups = module.config.users.groups;
}
